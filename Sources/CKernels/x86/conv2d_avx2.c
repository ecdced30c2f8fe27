#include "gs_kernels.h"
#include "../conv_tiles.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>

#define GS_AVX2 __attribute__((target("avx2,fma")))

/* Output columns one micro-kernel call covers: two 8-float vectors. */

#define NC 16

/* One tile of the direct convolution: GS_CONV_CB (6) output channels by `nv`
 * (1 or 2) vectors of 8 adjacent output columns of one row, 12 accumulators
 * at most. Per tap k: `nv` unaligned loads of the padded input at
 * src + offsets[k], 6 broadcasts of the block's packed weights (6 consecutive
 * floats), 6 * nv FMAs. The accumulators start at the bias, so the taps are
 * added in the scalar version's order. Inlined with a constant `nv`. */
static inline __attribute__((always_inline)) GS_AVX2 void
tile(const int nv, size_t taps, const int32_t *restrict offsets, const float *restrict wb,
     const float *restrict src, const float *restrict bias6, __m256 acc[GS_CONV_CB][2]) {
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++) acc[j][0] = acc[j][1] = _mm256_broadcast_ss(bias6 + j);
    for (size_t k = 0; k < taps; k++) {
        const float *s = src + offsets[k];
        const __m256 x0 = _mm256_loadu_ps(s);
        const __m256 x1 = nv == 2 ? _mm256_loadu_ps(s + 8) : x0;
        const float *wk = wb + k * GS_CONV_CB;
        GS_UNROLL
        for (int j = 0; j < GS_CONV_CB; j++) {
            const __m256 a = _mm256_broadcast_ss(wk + j);
            acc[j][0] = _mm256_fmadd_ps(a, x0, acc[j][0]);
            if (nv == 2) acc[j][1] = _mm256_fmadd_ps(a, x1, acc[j][1]);
        }
    }
}

static inline __attribute__((always_inline)) GS_AVX2 void
store_tile(const int nv, __m256 acc[GS_CONV_CB][2], int n_ch, int relu, float *restrict dst, size_t ldc, int n) {
    const __m256 zero = _mm256_setzero_ps();
    const __m256i m0 = gs_lane_mask8(n, 0), m1 = gs_lane_mask8(n, 1);
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++) {
        if (j >= n_ch) break;
        float *row = dst + (size_t)j * ldc;
        GS_UNROLL
        for (int q = 0; q < nv; q++) {
            __m256 v = acc[j][q];
            if (relu) v = _mm256_max_ps(v, zero);
            if (n == NC) _mm256_storeu_ps(row + 8 * q, v);
            else _mm256_maskstore_ps(row + 8 * q, q ? m1 : m0, v);
        }
    }
}

/* Loop order: channel block (its packed weights stay in L1), row, column
 * tile. The last tile of a row runs past w_out (inside GS_CONV_OVERREAD) and
 * stores its valid columns with a lane mask. */
GS_AVX2 void gs_conv2d_avx2(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                            const int32_t *restrict offsets, const float *restrict packed,
                            const float *restrict bias, int c_out, int relu, float *restrict out) {
    const int h_out = hp - kh + 1, w_out = wp - kw + 1;
    const size_t taps = (size_t)c_in * (size_t)kh * (size_t)kw, plane = (size_t)h_out * (size_t)w_out;
    __m256 acc[GS_CONV_CB][2];
    float bias6[GS_CONV_CB];
    for (int o0 = 0; o0 < c_out; o0 += GS_CONV_CB) {
        const int n_ch = c_out - o0 < GS_CONV_CB ? c_out - o0 : GS_CONV_CB;
        const float *restrict wb = packed + (size_t)(o0 / GS_CONV_CB) * taps * GS_CONV_CB;
        gs_block_bias(bias + o0, n_ch, bias6);
        for (int y = 0; y < h_out; y++) {
            const float *row = xp + (size_t)y * wp;
            float *dst = out + (size_t)o0 * plane + (size_t)y * w_out;
            for (int x0 = 0; x0 < w_out; x0 += NC) {
                const int n = w_out - x0 < NC ? w_out - x0 : NC;
                if (n > 8) {
                    tile(2, taps, offsets, wb, row + x0, bias6, acc);
                    store_tile(2, acc, n_ch, relu, dst + x0, plane, n);
                } else {
                    tile(1, taps, offsets, wb, row + x0, bias6, acc);
                    store_tile(1, acc, n_ch, relu, dst + x0, plane, n);
                }
            }
        }
    }
}

/* One column tile's running max and min over every output row, in a stack
 * tile (12 accumulators leave no registers for 24 more), then the valid
 * columns copied out. */
static inline __attribute__((always_inline)) GS_AVX2 void
maxmin_column(const int nv, size_t taps, const int32_t *restrict offsets, const float *restrict wb,
              const float *restrict src, int wp, int h_out, const float *restrict bias6, int n_ch, int n,
              float *restrict out_max, float *restrict out_min, size_t ldc) {
    __m256 acc[GS_CONV_CB][2], mx[GS_CONV_CB][2], mn[GS_CONV_CB][2];
    tile(nv, taps, offsets, wb, src, bias6, acc);
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++)
        GS_UNROLL
        for (int q = 0; q < nv; q++) mx[j][q] = mn[j][q] = acc[j][q];
    for (int y = 1; y < h_out; y++) {
        tile(nv, taps, offsets, wb, src + (size_t)y * wp, bias6, acc);
        GS_UNROLL
        for (int j = 0; j < GS_CONV_CB; j++)
            GS_UNROLL
            for (int q = 0; q < nv; q++) {
                mx[j][q] = _mm256_max_ps(acc[j][q], mx[j][q]);
                mn[j][q] = _mm256_min_ps(acc[j][q], mn[j][q]);
            }
    }
    store_tile(nv, mx, n_ch, 0, out_max, ldc, n);
    store_tile(nv, mn, n_ch, 0, out_min, ldc, n);
}

/* Loop order: channel block, column tile, rows innermost, so a tile's input
 * columns (hp rows of them) and the block's weights stay in L1 over the rows. */
GS_AVX2 void gs_conv2d_maxmin_h_avx2(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                                     const int32_t *restrict offsets, const float *restrict packed,
                                     const float *restrict bias, int c_out, float *restrict out_max,
                                     float *restrict out_min) {
    const int h_out = hp - kh + 1, w_out = wp - kw + 1;
    const size_t taps = (size_t)c_in * (size_t)kh * (size_t)kw;
    float bias6[GS_CONV_CB];
    for (int o0 = 0; o0 < c_out; o0 += GS_CONV_CB) {
        const int n_ch = c_out - o0 < GS_CONV_CB ? c_out - o0 : GS_CONV_CB;
        const float *restrict wb = packed + (size_t)(o0 / GS_CONV_CB) * taps * GS_CONV_CB;
        gs_block_bias(bias + o0, n_ch, bias6);
        float *mx = out_max + (size_t)o0 * w_out, *mn = out_min + (size_t)o0 * w_out;
        for (int x0 = 0; x0 < w_out; x0 += NC) {
            const int n = w_out - x0 < NC ? w_out - x0 : NC;
            if (n > 8)
                maxmin_column(2, taps, offsets, wb, xp + x0, wp, h_out, bias6, n_ch, n, mx + x0, mn + x0, w_out);
            else
                maxmin_column(1, taps, offsets, wb, xp + x0, wp, h_out, bias6, n_ch, n, mx + x0, mn + x0, w_out);
        }
    }
}
#endif
