/* Internal to CKernels: one body for the MobileNet kernels' SIMD versions
 * (x86/mobilenet_avx2.c, x86/mobilenet_avx512.c, arm/mobilenet_neon.c), written
 * over a few vector macros that the including file defines first, as
 * marton78/pffft does for its SIMD targets, so a fix lands once:
 *
 *   GS_MN_SUFFIX(name)        name##_avx2 etc.: the exported names
 *   GS_MN_TARGET              the per-function target attribute (empty on NEON)
 *   gs_v, GS_VW               the vector type and its float lanes (4, 8 or 16)
 *   V_LOAD(p), V_STORE(p, v)  unaligned load and store
 *   V_SET1(s)                 broadcast
 *   V_FMA(a, b, acc)          a * b + acc, fused
 *   V_FMA_S(a, s, acc)        a * broadcast(s) + acc, fused
 *   V_LOAD_I8_PANEL(p, dst)   dst[0 .. GS_PW_NR / GS_VW) = the GS_PW_NR int8 at p, as floats
 *   V_MAX(v, lo)              max, giving lo where v is NaN
 *   V_MIN(v, hi)              min
 *   GS_PW_PT, GS_PW_PX        the pointwise tile: GS_PW_PT panels of GS_PW_NR
 *                             output channels by GS_PW_PX pixels of accumulators
 *   GS_MN_DEPTHWISE           also define the depthwise, clamp and subsample
 *                             versions, which need
 *   V_LOAD_EVEN_ODD(p, e, o)  e = p[0, 2, .., 2 GS_VW - 2], o = p[1, 3, .., 2 GS_VW - 1]
 */
#include <string.h>

#include "gs_kernels.h"
#include "conv_tiles.h"
#include "mobilenet.h"
#include "panels.h"

#define GS_PW_NVMAX (GS_PW_PT * GS_PW_NR / GS_VW) /* channel vectors of a full tile */

/* The tile loops fully unrolled (up to 12 pixels; GS_UNROLL's 8 would leave
 * the accumulator array in memory). */
#define MN_UNROLL _Pragma("GCC unroll 16")

static inline __attribute__((always_inline)) GS_MN_TARGET gs_v mn_act(gs_v v, int relu, gs_v zero, gs_v cap) {
    return relu ? V_MIN(V_MAX(v, zero), cap) : v;
}

/* One tile of the pointwise convolution: nv vectors of output channels (whole
 * panels, from `panel`; panel q starts q * panel_stride weights after it) by np
 * pixels from in[.][p0]. Per input channel: nv vector loads of the packed
 * weights (q8: GS_PW_NR bytes per panel, widened to floats), np broadcasts of
 * the input, nv * np FMAs. The f32 accumulators start at the bias and add the
 * input channels in order, as in the scalar version; the q8 ones start at 0,
 * add q * x in order, and end as bias + scale * sum (one FMA). The tile is then
 * transposed through the stack into out[c][p] (an AVX-512 tile is 32 channels
 * by 12 pixels; the store is a small share of cin FMA rows). Inlined with
 * constant q8, nv and np: each tail size gets its own copy. */
static inline __attribute__((always_inline)) GS_MN_TARGET void
pw_tile(const int q8, const int nv, const int np, const float *restrict in, int cin, int hw,
        const void *restrict panel, size_t panel_stride, const float *restrict bias_t,
        const float *restrict scale_t, int n_ch, int relu, float relu_max, float *restrict out) {
    gs_v acc[GS_PW_NVMAX][GS_PW_PX];
    MN_UNROLL
    for (int v = 0; v < nv; v++) {
        const gs_v b = q8 ? V_SET1(0.0f) : V_LOAD(bias_t + v * GS_VW);
        MN_UNROLL
        for (int p = 0; p < np; p++) acc[v][p] = b;
    }
    for (int ci = 0; ci < cin; ci++) {
        const float *x = in + (size_t)ci * hw;
        gs_v wv[GS_PW_NVMAX];
        if (q8) {
            MN_UNROLL
            for (int q = 0; q < nv * GS_VW / GS_PW_NR; q++)
                V_LOAD_I8_PANEL((const int8_t *)panel + (size_t)q * panel_stride + (size_t)ci * GS_PW_NR,
                                wv + q * (GS_PW_NR / GS_VW));
        } else {
            MN_UNROLL
            for (int v = 0; v < nv; v++)
                wv[v] = V_LOAD((const float *)panel + (size_t)(v * GS_VW / GS_PW_NR) * panel_stride +
                               (size_t)ci * GS_PW_NR + (v * GS_VW) % GS_PW_NR);
        }
        MN_UNROLL
        for (int p = 0; p < np; p++) {
            const float s = x[p];
            MN_UNROLL
            for (int v = 0; v < nv; v++) acc[v][p] = V_FMA_S(wv[v], s, acc[v][p]);
        }
    }
    if (q8) {
        MN_UNROLL
        for (int v = 0; v < nv; v++) {
            const gs_v b = V_LOAD(bias_t + v * GS_VW), sc = V_LOAD(scale_t + v * GS_VW);
            MN_UNROLL
            for (int p = 0; p < np; p++) acc[v][p] = V_FMA(acc[v][p], sc, b);
        }
    }
    const gs_v zero = V_SET1(0.0f), cap = V_SET1(relu_max);
    float t[GS_PW_PX][GS_PW_NVMAX * GS_VW] __attribute__((aligned(64)));
    MN_UNROLL
    for (int p = 0; p < np; p++)
        MN_UNROLL
        for (int v = 0; v < nv; v++) V_STORE(&t[p][v * GS_VW], mn_act(acc[v][p], relu, zero, cap));
    for (int c = 0; c < n_ch; c++) {
        float *restrict dst = out + (size_t)c * hw;
        GS_SCALAR_LOOP
        for (int p = 0; p < np; p++) dst[p] = t[p][c];
    }
}

/* One pixel tile across a channel tile, the pixel count made a constant. */
#define PW_CASE_(nv, np)                                                                                    \
    case np:                                                                                                \
        if (np <= GS_PW_PX) /* the cases past the tile width are never taken */                                \
            pw_tile(q8, nv, np, in + p0, cin, hw, panel, panel_stride, bias_t, scale_t, n_ch, relu, relu_max,  \
                    out + (size_t)c0 * hw + p0);                                                                \
        break
#define PW_TILES_(nv)                                                                                        \
    switch (n_px) {                                                                                          \
        PW_CASE_(nv, 1); PW_CASE_(nv, 2); PW_CASE_(nv, 3); PW_CASE_(nv, 4); PW_CASE_(nv, 5); PW_CASE_(nv, 6); \
        PW_CASE_(nv, 7); PW_CASE_(nv, 8); PW_CASE_(nv, 9); PW_CASE_(nv, 10); PW_CASE_(nv, 11);               \
        PW_CASE_(nv, 12); default: break;                                                                    \
    }
_Static_assert(GS_PW_PX <= 12, "PW_TILES_ has cases up to 12 pixels");

/* Both pointwise kernels, q8 a constant. Loop order: pixel tile, then channel
 * tile, so a tile's input columns (cin x GS_PW_PX floats) stay in L1 while the
 * packed weights stream past them. */
static inline __attribute__((always_inline)) GS_MN_TARGET void
pw_drive(const int q8, const float *restrict in, int cin, int hw, const void *restrict packed,
         const float *restrict scale, const float *restrict bias, int cout, int relu, float relu_max,
         float *restrict out) {
    const size_t panel_stride = (size_t)cin * GS_PW_NR, elem = q8 ? 1 : sizeof(float);
    const int panels = (cout + GS_PW_NR - 1) / GS_PW_NR;
    float bias_t[GS_PW_NVMAX * GS_VW] __attribute__((aligned(64)));
    float scale_t[GS_PW_NVMAX * GS_VW] __attribute__((aligned(64)));
    for (int p0 = 0; p0 < hw; p0 += GS_PW_PX) {
        const int n_px = hw - p0 < GS_PW_PX ? hw - p0 : GS_PW_PX;
        for (int b = 0; b < panels; b += GS_PW_PT) {
            const int c0 = b * GS_PW_NR;
            const int n_ch = cout - c0 < GS_PW_PT * GS_PW_NR ? cout - c0 : GS_PW_PT * GS_PW_NR;
            const void *restrict panel = (const char *)packed + (size_t)b * panel_stride * elem;
            for (int j = 0; j < GS_PW_NVMAX * GS_VW; j++) {
                bias_t[j] = j < n_ch ? bias[c0 + j] : 0.0f;
                scale_t[j] = q8 && j < n_ch ? scale[c0 + j] : 0.0f;
            }
            if (panels - b >= GS_PW_PT) {
                PW_TILES_(GS_PW_NVMAX);
            } else {
                PW_TILES_(GS_PW_NR / GS_VW); /* the last, single panel when GS_PW_PT is 2 */
            }
        }
    }
}
#undef PW_CASE_
#undef PW_TILES_

GS_MN_TARGET void GS_MN_SUFFIX(gs_pointwise)(const float *restrict in, int cin, int hw,
                                             const float *restrict packed, const float *restrict bias, int cout,
                                             int relu, float relu_max, float *restrict out) {
    pw_drive(0, in, cin, hw, packed, NULL, bias, cout, relu, relu_max, out);
}

GS_MN_TARGET void GS_MN_SUFFIX(gs_pointwise_q8)(const float *restrict in, int cin, int hw,
                                                const int8_t *restrict packed, const float *restrict scale,
                                                const float *restrict bias, int cout, int relu, float relu_max,
                                                float *restrict out) {
    pw_drive(1, in, cin, hw, packed, scale, bias, cout, relu, relu_max, out);
}

#ifdef GS_MN_DEPTHWISE
/* The depthwise kernel works on zero-padded copies of a band of rows in a
 * stack buffer of DW_BUF floats (32 KiB; YAMNet's largest plane, 32 x 48, fits
 * whole), so that every tap is a fixed offset from the output's flat index and
 * one vector loop covers edges, narrow rows (down to 2 x 3) and all. A row too
 * wide for even one band (about 1500 floats) takes the scalar path. */
#define DW_BUF 8192
#define DW_MARGIN (2 * GS_VW)

/* Short copies and zero fills (a row of 3 to 50 floats): whole vectors, then
 * floats, inline, where a libc call per row would cost more than the row. */
static inline __attribute__((always_inline)) GS_MN_TARGET void dw_copy(float *restrict dst, const float *restrict src,
                                                                       int n) {
    int x = 0;
    for (; x + GS_VW <= n; x += GS_VW) V_STORE(dst + x, V_LOAD(src + x));
    GS_SCALAR_LOOP
    for (; x < n; x++) dst[x] = src[x];
}

static inline __attribute__((always_inline)) GS_MN_TARGET void dw_zero(float *restrict dst, int n) {
    int x = 0;
    for (; x + GS_VW <= n; x += GS_VW) V_STORE(dst + x, V_SET1(0.0f));
    GS_SCALAR_LOOP
    for (; x < n; x++) dst[x] = 0.0f;
}

/* dst[x] = in[r][x + x0] for x < n, zero outside the plane. */
static inline __attribute__((always_inline)) GS_MN_TARGET void
dw_fill_row(float *restrict dst, int n, const float *restrict plane, int h, int w, int r, int x0) {
    if (r < 0 || r >= h) {
        dw_zero(dst, n);
        return;
    }
    int lo = -x0 > 0 ? -x0 : 0, hi = w - x0 < n ? w - x0 : n;
    if (lo > n) lo = n;
    if (hi < lo) hi = lo;
    dw_zero(dst, lo);
    dw_copy(dst + lo, plane + (size_t)r * w + lo + x0, hi - lo);
    dw_zero(dst + hi, n - hi);
}

/* The output flat over a band, wide rows of width `wp` (the columns past ow
 * are computed and dropped), activated into t; then its valid columns to dst. */
static inline __attribute__((always_inline)) GS_MN_TARGET void
dw_store_band(const float *restrict t, int rows, int wp, int ow, float *restrict dst) {
    for (int r = 0; r < rows; r++) dw_copy(dst + (size_t)r * ow, t + (size_t)r * wp, ow);
}

/* Stride 1, output rows [i0, i0 + rows): P[y][x] = in[i0 + y - pad_top][x - pad_left]
 * over rows + 2 rows of wp = ow + 2, so that out[i0 + i][j] = sum k[a][b] P[m + a wp + b]
 * at m = i wp + j. */
static inline __attribute__((always_inline)) GS_MN_TARGET void
dw_band_s1(const float *restrict plane, int h, int w, int pad_top, int pad_left, const gs_v k[9], gs_v bias,
           int relu, gs_v zero, gs_v cap, int i0, int rows, int ow, float *restrict dst, float *restrict buf) {
    const int wp = ow + 2, n = rows * wp;
    float *restrict P = buf, *restrict t = buf + (size_t)(rows + 2) * wp + DW_MARGIN;
    for (int y = 0; y < rows + 2; y++) dw_fill_row(P + (size_t)y * wp, wp, plane, h, w, i0 + y - pad_top, -pad_left);
    dw_zero(P + (size_t)(rows + 2) * wp, DW_MARGIN);
    for (int m = 0; m < n; m += GS_VW) {
        gs_v acc = bias;
        MN_UNROLL
        for (int a = 0; a < 3; a++)
            MN_UNROLL
            for (int b = 0; b < 3; b++) acc = V_FMA(k[3 * a + b], V_LOAD(P + m + a * wp + b), acc);
        V_STORE(t + m, mn_act(acc, relu, zero, cap));
    }
    dw_store_band(t, rows, wp, ow, dst);
}

/* Stride 2, output rows [i0, i0 + rows): the padded band P[y][x] =
 * in[2 i0 + y - pad_top][x - pad_left], 2 rows + 1 rows of 2 we (we = ow + 1),
 * split by row and column parity into Ee (even rows, even columns), Eo, Oe, Oo,
 * each with rows of we, so that at m = i we + j
 *   out[i0 + i][j] = k00 Ee[m] + k01 Eo[m] + k02 Ee[m+1] + k10 Oe[m] + k11 Oo[m] + k12 Oe[m+1]
 *                  + k20 Ee[m+we] + k21 Eo[m+we] + k22 Ee[m+we+1]. */
static inline __attribute__((always_inline)) GS_MN_TARGET void
dw_band_s2(const float *restrict plane, int h, int w, int pad_top, int pad_left, const gs_v k[9], gs_v bias,
           int relu, gs_v zero, gs_v cap, int i0, int rows, int ow, float *restrict dst, float *restrict buf) {
    const int we = ow + 1, we_pad = (we + GS_VW - 1) / GS_VW * GS_VW, n = rows * we;
    const size_t even = (size_t)(rows + 1) * we + DW_MARGIN, odd = (size_t)rows * we + DW_MARGIN;
    float *restrict Ee = buf, *restrict Eo = Ee + even, *restrict Oe = Eo + even, *restrict Oo = Oe + odd;
    float *restrict row = Oo + odd, *restrict t = row + 2 * (size_t)we_pad;
    /* The margins past each plane's rows: read by the last vectors, in lanes that are dropped. */
    dw_zero(Ee + even - DW_MARGIN, DW_MARGIN);
    dw_zero(Eo + even - DW_MARGIN, DW_MARGIN);
    dw_zero(Oe + odd - DW_MARGIN, DW_MARGIN);
    dw_zero(Oo + odd - DW_MARGIN, DW_MARGIN);
    for (int y = 0; y < 2 * rows + 1; y++) {
        dw_fill_row(row, 2 * we_pad, plane, h, w, 2 * i0 + y - pad_top, -pad_left);
        float *e = ((y & 1) ? Oe : Ee) + (size_t)(y >> 1) * we, *o = ((y & 1) ? Oo : Eo) + (size_t)(y >> 1) * we;
        /* Whole vectors: the last one runs into the next row, filled after it, or the margin. */
        for (int x = 0; x < we; x += GS_VW) {
            gs_v ve, vo;
            V_LOAD_EVEN_ODD(row + 2 * x, ve, vo);
            V_STORE(e + x, ve);
            V_STORE(o + x, vo);
        }
    }
    for (int m = 0; m < n; m += GS_VW) {
        gs_v acc = bias;
        acc = V_FMA(k[0], V_LOAD(Ee + m), acc);
        acc = V_FMA(k[1], V_LOAD(Eo + m), acc);
        acc = V_FMA(k[2], V_LOAD(Ee + m + 1), acc);
        acc = V_FMA(k[3], V_LOAD(Oe + m), acc);
        acc = V_FMA(k[4], V_LOAD(Oo + m), acc);
        acc = V_FMA(k[5], V_LOAD(Oe + m + 1), acc);
        acc = V_FMA(k[6], V_LOAD(Ee + m + we), acc);
        acc = V_FMA(k[7], V_LOAD(Eo + m + we), acc);
        acc = V_FMA(k[8], V_LOAD(Ee + m + we + 1), acc);
        V_STORE(t + m, mn_act(acc, relu, zero, cap));
    }
    dw_store_band(t, rows, we, ow, dst);
}

/* Bands of as many output rows as the buffer holds. Strides other than 1 and 2
 * (not in the contract) and rows too wide for the buffer take the scalar path. */
GS_MN_TARGET void GS_MN_SUFFIX(gs_depthwise3x3)(const float *restrict in, int c, int h, int w, int stride,
                                                int pad_top, int pad_left, const float *restrict weight,
                                                const float *restrict bias, int relu, float relu_max,
                                                float *restrict out, int oh, int ow) {
    float buf[DW_BUF] __attribute__((aligned(64)));
    /* Floats a band of R rows takes: (2R + 2) wp + 3 GS_VW at stride 1,
     * (5R + 2) we + 2 we_pad + 7 GS_VW + GS_VW at stride 2 (the margins included). */
    const int wp = ow + 2, we = ow + 1, we_pad = (we + GS_VW - 1) / GS_VW * GS_VW;
    const int band = stride == 1 ? (DW_BUF - 3 * DW_MARGIN - 2 * wp) / (2 * wp)
                   : stride == 2 ? (DW_BUF - 2 * we - 2 * we_pad - 6 * DW_MARGIN) / (5 * we) : 0;
    if (band < 1) {
        gs_depthwise3x3_scalar(in, c, h, w, stride, pad_top, pad_left, weight, bias, relu, relu_max, out, oh, ow);
        return;
    }
    const gs_v zero = V_SET1(0.0f), cap = V_SET1(relu_max);
    for (int ch = 0; ch < c; ch++) {
        const float *restrict plane = in + (size_t)ch * h * w;
        gs_v k[9];
        MN_UNROLL
        for (int q = 0; q < 9; q++) k[q] = V_SET1(weight[(size_t)ch * 9 + q]);
        const gs_v b = V_SET1(bias[ch]);
        for (int i0 = 0; i0 < oh; i0 += band) {
            const int rows = oh - i0 < band ? oh - i0 : band;
            float *restrict dst = out + ((size_t)ch * oh + i0) * ow;
            if (stride == 1)
                dw_band_s1(plane, h, w, pad_top, pad_left, k, b, relu, zero, cap, i0, rows, ow, dst, buf);
            else
                dw_band_s2(plane, h, w, pad_top, pad_left, k, b, relu, zero, cap, i0, rows, ow, dst, buf);
        }
    }
}

GS_MN_TARGET void GS_MN_SUFFIX(gs_clamp)(const float *x, size_t n, float lo, float hi, float *y) {
    const gs_v vlo = V_SET1(lo), vhi = V_SET1(hi);
    size_t i = 0;
    for (; i + GS_VW <= n; i += GS_VW) V_STORE(y + i, V_MIN(V_MAX(V_LOAD(x + i), vlo), vhi));
    for (; i < n; i++) {
        const float v = x[i] > lo ? x[i] : lo;
        y[i] = v < hi ? v : hi;
    }
}

/* Stride 1 along w copies rows, stride 2 de-interleaves whole vectors; the
 * other strides, and the columns past the last whole pair of vectors, are
 * scalar. */
GS_MN_TARGET void GS_MN_SUFFIX(gs_subsample2d)(const float *restrict in, int c, int h, int w, int sh, int sw,
                                               float *restrict out) {
    const int oh = (h - 1) / sh + 1, ow = (w - 1) / sw + 1;
    for (int k = 0; k < c; k++)
        for (int i = 0; i < oh; i++) {
            const float *restrict src = in + ((size_t)k * h + (size_t)i * sh) * w;
            float *restrict dst = out + ((size_t)k * oh + i) * ow;
            int j = 0;
            if (sw == 1) {
                memcpy(dst, src, (size_t)ow * sizeof(float));
                continue;
            }
            if (sw == 2)
                for (; 2 * (j + GS_VW) <= w; j += GS_VW) {
                    gs_v e, o;
                    V_LOAD_EVEN_ODD(src + 2 * j, e, o);
                    (void)o;
                    V_STORE(dst + j, e);
                }
            for (; j < ow; j++) dst[j] = src[(size_t)j * sw];
        }
}
#endif
