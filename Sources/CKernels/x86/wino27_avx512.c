#include "gs_kernels.h"
#include "../conv_tiles.h"
#include "../wino27.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>

#define GS_AVX512 __attribute__((target("avx512f")))
#define GS_INLINE static inline __attribute__((always_inline))

/* Tiles (output pairs) one micro-kernel call covers: four 16-float vectors. */
#define NT 64
#ifndef NT_MAXMIN
#define NT_MAXMIN 32
#endif

/* M_xi for GS_CONV_CB (6) output channels by `nv` (1 to 4) vectors of 16
 * tiles of one output row: the direct kernel's structure with a kh x 1 kernel
 * over the transformed plane V_xi, 24 accumulators. Per tap: `nv` loads, 6 * nv
 * FMAs with the weights as embedded broadcasts. */
GS_INLINE GS_AVX512 void mtile(const int nv, int c_in, int kh, size_t plane, size_t tp, const float *restrict wk,
                               const float *restrict src, __m512 acc[GS_CONV_CB][4]) {
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++)
        GS_UNROLL
        for (int q = 0; q < nv; q++) acc[j][q] = _mm512_setzero_ps();
    for (int i = 0; i < c_in; i++) {
        const float *s = src + (size_t)i * plane;
        for (int dy = 0; dy < kh; dy++, s += tp, wk += GS_CONV_CB) {
            __m512 x[4];
            GS_UNROLL
            for (int q = 0; q < nv; q++) x[q] = _mm512_loadu_ps(s + 16 * q);
            GS_UNROLL
            for (int j = 0; j < GS_CONV_CB; j++) {
                const __m512 a = _mm512_set1_ps(wk[j]);
                GS_UNROLL
                for (int q = 0; q < nv; q++) acc[j][q] = _mm512_fmadd_ps(a, x[q], acc[j][q]);
            }
        }
    }
}

/* y0 (outputs 2t) and y1 (outputs 2t + 1) = bias + A^T M over the 8
 * components, one component's M at a time in registers, y in L1. */
GS_INLINE GS_AVX512 void ytile(const int nv, const float *restrict v, size_t vplane, int c_in, int kh, size_t plane,
                               size_t tp, const float *restrict wb, size_t taps, const float *restrict bias6,
                               __m512 y0[GS_CONV_CB][4], __m512 y1[GS_CONV_CB][4]) {
    __m512 acc[GS_CONV_CB][4];
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++)
        GS_UNROLL
        for (int q = 0; q < nv; q++) y0[j][q] = y1[j][q] = _mm512_set1_ps(bias6[j]);
    for (int xi = 0; xi < WINO27_N; xi++) {
        mtile(nv, c_in, kh, plane, tp, wb + (size_t)xi * taps * GS_CONV_CB, v + (size_t)xi * vplane, acc);
        const __m512 a0 = _mm512_set1_ps(wino27_at0[xi]), a1 = _mm512_set1_ps(wino27_at1[xi]);
        GS_UNROLL
        for (int j = 0; j < GS_CONV_CB; j++)
            GS_UNROLL
            for (int q = 0; q < nv; q++) {
                y0[j][q] = _mm512_fmadd_ps(a0, acc[j][q], y0[j][q]);
                y1[j][q] = _mm512_fmadd_ps(a1, acc[j][q], y1[j][q]);
            }
    }
}

/* Interleaves y0/y1 back into output order (2t, 2t + 1) and stores the first
 * n outputs of each of the n_ch channels, rows ldc apart. */
GS_INLINE GS_AVX512 void store_pairs(const int nv, __m512 y0[GS_CONV_CB][4], __m512 y1[GS_CONV_CB][4], int n_ch,
                                     int relu, float *restrict dst, size_t ldc, int n) {
    const __m512i lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i hi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    const __m512 zero = _mm512_setzero_ps();
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++) {
        if (j >= n_ch) break;
        float *row = dst + (size_t)j * ldc;
        GS_UNROLL
        for (int q = 0; q < nv; q++) {
            __m512 a = _mm512_permutex2var_ps(y0[j][q], lo, y1[j][q]);
            __m512 b = _mm512_permutex2var_ps(y0[j][q], hi, y1[j][q]);
            if (relu) {
                a = _mm512_max_ps(a, zero);
                b = _mm512_max_ps(b, zero);
            }
            _mm512_mask_storeu_ps(row + 32 * q, gs_lane_mask16(n, 2 * q), a);
            _mm512_mask_storeu_ps(row + 32 * q + 16, gs_lane_mask16(n, 2 * q + 1), b);
        }
    }
}

/* One row's tile blocks from tile 0, the last with as few vectors as cover it. */
#define GS_BY_TILE_BLOCK(NTB, CALL)                                 \
    do {                                                        \
        for (int t0 = 0; t0 < tiles; t0 += NTB) {               \
            const int nt = tiles - t0 < NTB ? tiles - t0 : NTB; \
            const int n = w_out - 2 * t0;                       \
            switch ((nt + 15) / 16) {                           \
            case 4: CALL(4); break;                             \
            case 3: CALL(3); break;                             \
            case 2: CALL(2); break;                             \
            default: CALL(1); break;                            \
            }                                                   \
        }                                                       \
    } while (0)

/* Loop order: channel block (its packed weights stay in L1/L2), row, tile block. */
GS_AVX512 void gs_conv2d_wino27_avx512(const float *restrict xp, int c_in, int hp, int wp, int kh,
                                       const float *restrict packed, const float *restrict bias, int c_out, int relu,
                                       float *restrict out, float *restrict scratch) {
    const int h_out = hp - kh + 1, w_out = wp - WINO27_R + 1, tiles = wino27_tiles(wp);
    const size_t tp = wino27_tp(wp), plane = (size_t)hp * tp, vplane = wino27_vplane(c_in, hp, wp);
    const size_t taps = (size_t)c_in * (size_t)kh, oplane = (size_t)h_out * (size_t)w_out;
    __m512 y0[GS_CONV_CB][4], y1[GS_CONV_CB][4];
    float bias6[GS_CONV_CB];
    wino27_transform(xp, c_in, hp, wp, scratch);
    for (int o0 = 0; o0 < c_out; o0 += GS_CONV_CB) {
        const int n_ch = c_out - o0 < GS_CONV_CB ? c_out - o0 : GS_CONV_CB;
        const float *restrict wb = packed + (size_t)(o0 / GS_CONV_CB) * WINO27_N * taps * GS_CONV_CB;
        gs_block_bias(bias + o0, n_ch, bias6);
        for (int y = 0; y < h_out; y++) {
            const float *v = scratch + (size_t)y * tp;
            float *dst = out + (size_t)o0 * oplane + (size_t)y * w_out;
#define GS_WINO_TILE(nv)                                                              \
    ytile(nv, v + t0, vplane, c_in, kh, plane, tp, wb, taps, bias6, y0, y1);          \
    store_pairs(nv, y0, y1, n_ch, relu, dst + 2 * t0, oplane, n)
            GS_BY_TILE_BLOCK(NT, GS_WINO_TILE);
#undef GS_WINO_TILE
        }
    }
}

/* y0/y1 of `nh` (up to HCH) consecutive output rows, component-major: each
 * component's kernel over the rows in turn, so its plane's window of kh + nh - 1
 * rows stays in L1 while the rows' y (in L1) take its A^T share. */
#define HCH 8
GS_INLINE GS_AVX512 void yrows(const int nv, int nh, const float *restrict v, size_t vplane, int c_in, int kh,
                               size_t plane, size_t tp, const float *restrict wb, size_t taps,
                               const float *restrict bias6, __m512 y0[HCH][GS_CONV_CB][4],
                               __m512 y1[HCH][GS_CONV_CB][4]) {
    __m512 acc[GS_CONV_CB][4];
    for (int r = 0; r < nh; r++)
        GS_UNROLL
        for (int j = 0; j < GS_CONV_CB; j++)
            GS_UNROLL
            for (int q = 0; q < nv; q++) y0[r][j][q] = y1[r][j][q] = _mm512_set1_ps(bias6[j]);
    for (int xi = 0; xi < WINO27_N; xi++) {
        const __m512 a0 = _mm512_set1_ps(wino27_at0[xi]), a1 = _mm512_set1_ps(wino27_at1[xi]);
        for (int r = 0; r < nh; r++) {
            mtile(nv, c_in, kh, plane, tp, wb + (size_t)xi * taps * GS_CONV_CB, v + (size_t)xi * vplane + (size_t)r * tp,
                  acc);
            GS_UNROLL
            for (int j = 0; j < GS_CONV_CB; j++)
                GS_UNROLL
                for (int q = 0; q < nv; q++) {
                    y0[r][j][q] = _mm512_fmadd_ps(a0, acc[j][q], y0[r][j][q]);
                    y1[r][j][q] = _mm512_fmadd_ps(a1, acc[j][q], y1[r][j][q]);
                }
        }
    }
}

/* One tile block's running max and min over every output row, HCH rows at a
 * time, then stored. */
GS_INLINE GS_AVX512 void maxmin_block(const int nv, const float *restrict v, size_t vplane, int c_in, int kh,
                                      size_t plane, size_t tp, const float *restrict wb, size_t taps, int h_out,
                                      const float *restrict bias6, int n_ch, int n, float *restrict out_max,
                                      float *restrict out_min, size_t ldc) {
    __m512 y0[HCH][GS_CONV_CB][4], y1[HCH][GS_CONV_CB][4];
    __m512 mx0[GS_CONV_CB][4], mx1[GS_CONV_CB][4], mn0[GS_CONV_CB][4], mn1[GS_CONV_CB][4];
    /* Set from row 0 below; zeroed first only because GCC cannot see that. */
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++)
        GS_UNROLL
        for (int q = 0; q < nv; q++) mx0[j][q] = mx1[j][q] = mn0[j][q] = mn1[j][q] = _mm512_setzero_ps();
    for (int h0 = 0; h0 < h_out; h0 += HCH) {
        const int nh = h_out - h0 < HCH ? h_out - h0 : HCH;
        yrows(nv, nh, v + (size_t)h0 * tp, vplane, c_in, kh, plane, tp, wb, taps, bias6, y0, y1);
        if (h0 == 0) {
            GS_UNROLL
            for (int j = 0; j < GS_CONV_CB; j++)
                GS_UNROLL
                for (int q = 0; q < nv; q++) {
                    mx0[j][q] = mn0[j][q] = y0[0][j][q];
                    mx1[j][q] = mn1[j][q] = y1[0][j][q];
                }
        }
        for (int r = h0 == 0 ? 1 : 0; r < nh; r++) {
            GS_UNROLL
            for (int j = 0; j < GS_CONV_CB; j++)
                GS_UNROLL
                for (int q = 0; q < nv; q++) {
                    mx0[j][q] = _mm512_max_ps(y0[r][j][q], mx0[j][q]);
                    mn0[j][q] = _mm512_min_ps(y0[r][j][q], mn0[j][q]);
                    mx1[j][q] = _mm512_max_ps(y1[r][j][q], mx1[j][q]);
                    mn1[j][q] = _mm512_min_ps(y1[r][j][q], mn1[j][q]);
                }
        }
    }
    store_pairs(nv, mx0, mx1, n_ch, 0, out_max, ldc, n);
    store_pairs(nv, mn0, mn1, n_ch, 0, out_min, ldc, n);
}

/* Loop order: channel block, tile block, rows innermost. */
GS_AVX512 void gs_conv2d_maxmin_h_wino27_avx512(const float *restrict xp, int c_in, int hp, int wp, int kh,
                                                const float *restrict packed, const float *restrict bias, int c_out,
                                                float *restrict out_max, float *restrict out_min,
                                                float *restrict scratch) {
    const int h_out = hp - kh + 1, w_out = wp - WINO27_R + 1, tiles = wino27_tiles(wp);
    const size_t tp = wino27_tp(wp), plane = (size_t)hp * tp, vplane = wino27_vplane(c_in, hp, wp);
    const size_t taps = (size_t)c_in * (size_t)kh;
    float bias6[GS_CONV_CB];
    wino27_transform(xp, c_in, hp, wp, scratch);
    for (int o0 = 0; o0 < c_out; o0 += GS_CONV_CB) {
        const int n_ch = c_out - o0 < GS_CONV_CB ? c_out - o0 : GS_CONV_CB;
        const float *restrict wb = packed + (size_t)(o0 / GS_CONV_CB) * WINO27_N * taps * GS_CONV_CB;
        gs_block_bias(bias + o0, n_ch, bias6);
        float *mx = out_max + (size_t)o0 * w_out, *mn = out_min + (size_t)o0 * w_out;
#define GS_WINO_MAXMIN(nv)                                                                              \
    maxmin_block(nv, scratch + t0, vplane, c_in, kh, plane, tp, wb, taps, h_out, bias6, n_ch, n, mx + 2 * t0, \
                 mn + 2 * t0, w_out)
        GS_BY_TILE_BLOCK(NT_MAXMIN, GS_WINO_MAXMIN);
#undef GS_WINO_MAXMIN
    }
}
#endif
