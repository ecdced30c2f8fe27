#include "gs_kernels.h"
#include "../conv_tiles.h"

#if defined(GS_HAVE_NEON)
#include <arm_neon.h>

/* Output columns one micro-kernel call covers: four 4-float vectors. */
#define NC 16

/* One tile of the direct convolution: GS_CONV_CB (6) output channels by `nv`
 * (1 to 4) vectors of 4 adjacent output columns of one row; 24 of the 32
 * registers hold accumulators, 4 the input and the weights are applied with
 * by-element multiply-adds. Per tap k: `nv` loads of the padded input at
 * src + offsets[k], the block's 6 packed weights (consecutive floats), 6 * nv
 * FMAs. The accumulators start at the bias, as in the scalar version.
 * Inlined with a constant `nv`. */
static inline __attribute__((always_inline)) void
tile(const int nv, size_t taps, const int32_t *restrict offsets, const float *restrict wb,
     const float *restrict src, const float *restrict bias6, float32x4_t acc[GS_CONV_CB][4]) {
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++)
        GS_UNROLL
        for (int q = 0; q < nv; q++) acc[j][q] = vdupq_n_f32(bias6[j]);
    for (size_t k = 0; k < taps; k++) {
        const float *s = src + offsets[k];
        float32x4_t x[4];
        GS_UNROLL
        for (int q = 0; q < nv; q++) x[q] = vld1q_f32(s + 4 * q);
        const float *wk = wb + k * GS_CONV_CB;
        GS_UNROLL
        for (int j = 0; j < GS_CONV_CB; j++) {
            const float a = wk[j];
            GS_UNROLL
            for (int q = 0; q < nv; q++) acc[j][q] = vfmaq_n_f32(acc[j][q], x[q], a);
        }
    }
}

/* The valid n columns of the first n_ch channels; a partial tile goes
 * through a stack row. */
static inline __attribute__((always_inline)) void
store_tile(const int nv, float32x4_t acc[GS_CONV_CB][4], int n_ch, int relu, float *restrict dst, size_t ldc,
           int n) {
    const float32x4_t zero = vdupq_n_f32(0.0f);
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++) {
        if (j >= n_ch) break;
        float *row = dst + (size_t)j * ldc;
        float tail[NC];
        float *d = n == 4 * nv ? row : tail;
        GS_UNROLL
        for (int q = 0; q < nv; q++) {
            float32x4_t v = acc[j][q];
            if (relu) v = vmaxq_f32(v, zero);
            vst1q_f32(d + 4 * q, v);
        }
        if (d == tail)
            for (int x = 0; x < n; x++) row[x] = tail[x];
    }
}

/* One row's tiles from column 0, the last with as few vectors as cover it. */
#define GS_BY_TILE_WIDTH(CALL)                                       \
    do {                                                            \
        for (int x0 = 0; x0 < w_out; x0 += NC) {                    \
            const int n = w_out - x0 < NC ? w_out - x0 : NC;        \
            switch ((n + 3) / 4) {                                  \
            case 4: CALL(4); break;                                 \
            case 3: CALL(3); break;                                 \
            case 2: CALL(2); break;                                 \
            default: CALL(1); break;                                \
            }                                                       \
        }                                                           \
    } while (0)

/* Loop order: channel block (its packed weights stay in L1), row, column tile. */
void gs_conv2d_neon(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                    const int32_t *restrict offsets, const float *restrict packed, const float *restrict bias,
                    int c_out, int relu, float *restrict out) {
    const int h_out = hp - kh + 1, w_out = wp - kw + 1;
    const size_t taps = (size_t)c_in * (size_t)kh * (size_t)kw, plane = (size_t)h_out * (size_t)w_out;
    float32x4_t acc[GS_CONV_CB][4];
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

/* One column tile's running max and min over every output row, then its
 * valid columns stored. */
static inline __attribute__((always_inline)) void
maxmin_column(const int nv, size_t taps, const int32_t *restrict offsets, const float *restrict wb,
              const float *restrict src, int wp, int h_out, const float *restrict bias6, int n_ch, int n,
              float *restrict out_max, float *restrict out_min, size_t ldc) {
    float32x4_t acc[GS_CONV_CB][4], mx[GS_CONV_CB][4], mn[GS_CONV_CB][4];
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
                mx[j][q] = vmaxq_f32(acc[j][q], mx[j][q]);
                mn[j][q] = vminq_f32(acc[j][q], mn[j][q]);
            }
    }
    store_tile(nv, mx, n_ch, 0, out_max, ldc, n);
    store_tile(nv, mn, n_ch, 0, out_min, ldc, n);
}

/* Loop order: channel block, column tile, rows innermost, so a tile's input
 * columns and the block's weights stay in L1 over the rows. */
void gs_conv2d_maxmin_h_neon(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
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
