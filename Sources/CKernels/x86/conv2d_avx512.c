#include "gs_kernels.h"
#include "../conv_tiles.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>

#define GS_AVX512 __attribute__((target("avx512f")))

/* Output columns one micro-kernel call covers: four 16-float vectors. */

#define NC 64

/* One tile of the direct convolution: GS_CONV_CB (6) output channels by `nv`
 * (1 to 4) vectors of 16 adjacent output columns of one row, 24 of the 32
 * registers as accumulators. Per tap k: `nv` unaligned loads of the padded
 * input at src + offsets[k], then 6 * nv FMAs whose weight operand is an
 * embedded broadcast of the block's packed weights (6 consecutive floats), so
 * the broadcasts cost no instructions of their own. The accumulators start at
 * the bias, as in the scalar version. Inlined with a constant `nv`: the row
 * tail with fewer vectors gets its own copy. */
static inline __attribute__((always_inline)) GS_AVX512 void
tile(const int nv, size_t taps, const int32_t *restrict offsets, const float *restrict wb,
     const float *restrict src, const float *restrict bias6, __m512 acc[GS_CONV_CB][4]) {
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++)
        GS_UNROLL
        for (int q = 0; q < nv; q++) acc[j][q] = _mm512_set1_ps(bias6[j]);
    for (size_t k = 0; k < taps; k++) {
        const float *s = src + offsets[k];
        __m512 x[4];
        GS_UNROLL
        for (int q = 0; q < nv; q++) x[q] = _mm512_loadu_ps(s + 16 * q);
        const float *wk = wb + k * GS_CONV_CB;
        GS_UNROLL
        for (int j = 0; j < GS_CONV_CB; j++) {
            const __m512 a = _mm512_set1_ps(wk[j]);
            GS_UNROLL
            for (int q = 0; q < nv; q++) acc[j][q] = _mm512_fmadd_ps(a, x[q], acc[j][q]);
        }
    }
}

static inline __attribute__((always_inline)) GS_AVX512 void
store_tile(const int nv, __m512 acc[GS_CONV_CB][4], int n_ch, int relu, float *restrict dst, size_t ldc, int n) {
    const __m512 zero = _mm512_setzero_ps();
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++) {
        if (j >= n_ch) break;
        float *row = dst + (size_t)j * ldc;
        GS_UNROLL
        for (int q = 0; q < nv; q++) {
            __m512 v = acc[j][q];
            if (relu) v = _mm512_max_ps(v, zero);
            _mm512_mask_storeu_ps(row + 16 * q, gs_lane_mask16(n, q), v);
        }
    }
}

/* One row's tiles from column 0, the last with as few vectors as cover it. */
#define GS_BY_TILE_WIDTH(CALL)                                       \
    do {                                                            \
        for (int x0 = 0; x0 < w_out; x0 += NC) {                    \
            const int n = w_out - x0 < NC ? w_out - x0 : NC;        \
            switch ((n + 15) / 16) {                                \
            case 4: CALL(4); break;                                 \
            case 3: CALL(3); break;                                 \
            case 2: CALL(2); break;                                 \
            default: CALL(1); break;                                \
            }                                                       \
        }                                                           \
    } while (0)

/* Loop order: channel block (its packed weights stay in L1), row, column tile. */
GS_AVX512 void gs_conv2d_avx512(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                                const int32_t *restrict offsets, const float *restrict packed,
                                const float *restrict bias, int c_out, int relu, float *restrict out) {
    const int h_out = hp - kh + 1, w_out = wp - kw + 1;
    const size_t taps = (size_t)c_in * (size_t)kh * (size_t)kw, plane = (size_t)h_out * (size_t)w_out;
    __m512 acc[GS_CONV_CB][4];
    float bias6[GS_CONV_CB];
    for (int o0 = 0; o0 < c_out; o0 += GS_CONV_CB) {
        const int n_ch = c_out - o0 < GS_CONV_CB ? c_out - o0 : GS_CONV_CB;
        const float *restrict wb = packed + (size_t)(o0 / GS_CONV_CB) * taps * GS_CONV_CB;
        gs_block_bias(bias + o0, n_ch, bias6);
        for (int y = 0; y < h_out; y++) {
            const float *row = xp + (size_t)y * wp;
            float *dst = out + (size_t)o0 * plane + (size_t)y * w_out;
#define GS_CONV_TILE(nv)                                        \
    tile(nv, taps, offsets, wb, row + x0, bias6, acc);          \
    store_tile(nv, acc, n_ch, relu, dst + x0, plane, n)
            GS_BY_TILE_WIDTH(GS_CONV_TILE);
#undef GS_CONV_TILE
        }
    }
}

/* One column tile's running max and min over every output row (in the
 * stack: the accumulators take the registers), then its valid columns stored. */
static inline __attribute__((always_inline)) GS_AVX512 void
maxmin_column(const int nv, size_t taps, const int32_t *restrict offsets, const float *restrict wb,
              const float *restrict src, int wp, int h_out, const float *restrict bias6, int n_ch, int n,
              float *restrict out_max, float *restrict out_min, size_t ldc) {
    __m512 acc[GS_CONV_CB][4], mx[GS_CONV_CB][4], mn[GS_CONV_CB][4];
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
                mx[j][q] = _mm512_max_ps(acc[j][q], mx[j][q]);
                mn[j][q] = _mm512_min_ps(acc[j][q], mn[j][q]);
            }
    }
    store_tile(nv, mx, n_ch, 0, out_max, ldc, n);
    store_tile(nv, mn, n_ch, 0, out_min, ldc, n);
}

/* Loop order: channel block, column tile, rows innermost, so a tile's input
 * columns and the block's weights stay in L1 over the rows. */
GS_AVX512 void gs_conv2d_maxmin_h_avx512(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
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
#define GS_MAXMIN_TILE(nv) \
    maxmin_column(nv, taps, offsets, wb, xp + x0, wp, h_out, bias6, n_ch, n, mx + x0, mn + x0, w_out)
        GS_BY_TILE_WIDTH(GS_MAXMIN_TILE);
#undef GS_MAXMIN_TILE
    }
}
#endif
