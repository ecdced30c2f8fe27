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

static inline __attribute__((always_inline)) GS_MN_TARGET gs_v mn_act(gs_v v, int relu, gs_v zero, gs_v cap) {
    return relu ? V_MIN(V_MAX(v, zero), cap) : v;
}

/* One tile of the pointwise convolution: nv vectors of output channels (whole
 * panels, from `panel`; panel q starts q * panel_stride floats after it) by np
 * pixels from in[.][p0]. Per input channel: nv vector loads of the packed
 * weights, np broadcasts of the input, nv * np FMAs. The accumulators start at
 * the bias and add the input channels in order, as in the scalar version. The
 * tile is then transposed through the stack into out[c][p] (an AVX-512 tile is
 * 32 channels by 12 pixels; the store is a small share of cin FMA rows).
 * Inlined with constant nv and np: each tail size gets its own copy. */
static inline __attribute__((always_inline)) GS_MN_TARGET void
pw_tile(const int nv, const int np, const float *restrict in, int cin, int hw, const float *restrict panel,
        size_t panel_stride, const float *restrict bias_t, int n_ch, int relu, float relu_max,
        float *restrict out) {
    gs_v acc[GS_PW_NVMAX][GS_PW_PX];
    GS_UNROLL
    for (int v = 0; v < nv; v++) {
        const gs_v b = V_LOAD(bias_t + v * GS_VW);
        GS_UNROLL
        for (int p = 0; p < np; p++) acc[v][p] = b;
    }
    for (int ci = 0; ci < cin; ci++) {
        const float *x = in + (size_t)ci * hw;
        gs_v wv[GS_PW_NVMAX];
        GS_UNROLL
        for (int v = 0; v < nv; v++)
            wv[v] = V_LOAD(panel + (size_t)(v * GS_VW / GS_PW_NR) * panel_stride + (size_t)ci * GS_PW_NR +
                           (v * GS_VW) % GS_PW_NR);
        GS_UNROLL
        for (int p = 0; p < np; p++) {
            const float s = x[p];
            GS_UNROLL
            for (int v = 0; v < nv; v++) acc[v][p] = V_FMA_S(wv[v], s, acc[v][p]);
        }
    }
    const gs_v zero = V_SET1(0.0f), cap = V_SET1(relu_max);
    float t[GS_PW_PX][GS_PW_NVMAX * GS_VW] __attribute__((aligned(64)));
    GS_UNROLL
    for (int p = 0; p < np; p++)
        GS_UNROLL
        for (int v = 0; v < nv; v++) V_STORE(&t[p][v * GS_VW], mn_act(acc[v][p], relu, zero, cap));
    for (int c = 0; c < n_ch; c++) {
        float *restrict dst = out + (size_t)c * hw;
        GS_SCALAR_LOOP
        for (int p = 0; p < np; p++) dst[p] = t[p][c];
    }
}

/* One pixel tile across a channel tile, the pixel count made a constant. */
#define PW_CASE_(nv, np)                                                                        \
    case np:                                                                                    \
        if (np <= GS_PW_PX) /* the cases past the tile width are never taken */                    \
            pw_tile(nv, np, in + p0, cin, hw, panel, panel_stride, bias_t, n_ch, relu, relu_max,    \
                    out + (size_t)c0 * hw + p0);                                                    \
        break
#define PW_TILES_(nv)                                                                                        \
    switch (n_px) {                                                                                          \
        PW_CASE_(nv, 1); PW_CASE_(nv, 2); PW_CASE_(nv, 3); PW_CASE_(nv, 4); PW_CASE_(nv, 5); PW_CASE_(nv, 6); \
        PW_CASE_(nv, 7); PW_CASE_(nv, 8); PW_CASE_(nv, 9); PW_CASE_(nv, 10); PW_CASE_(nv, 11);               \
        PW_CASE_(nv, 12); default: break;                                                                    \
    }
_Static_assert(GS_PW_PX <= 12, "PW_TILES_ has cases up to 12 pixels");

/* Loop order: pixel tile, then channel tile, so a tile's input columns (cin x
 * GS_PW_PX floats) stay in L1 while the packed weights stream past them. */
GS_MN_TARGET void GS_MN_SUFFIX(gs_pointwise)(const float *restrict in, int cin, int hw,
                                             const float *restrict packed, const float *restrict bias, int cout,
                                             int relu, float relu_max, float *restrict out) {
    const size_t panel_stride = (size_t)cin * GS_PW_NR;
    const int panels = (cout + GS_PW_NR - 1) / GS_PW_NR;
    float bias_t[GS_PW_NVMAX * GS_VW] __attribute__((aligned(64)));
    for (int p0 = 0; p0 < hw; p0 += GS_PW_PX) {
        const int n_px = hw - p0 < GS_PW_PX ? hw - p0 : GS_PW_PX;
        for (int b = 0; b < panels; b += GS_PW_PT) {
            const int c0 = b * GS_PW_NR;
            const int n_ch = cout - c0 < GS_PW_PT * GS_PW_NR ? cout - c0 : GS_PW_PT * GS_PW_NR;
            const float *restrict panel = packed + (size_t)b * panel_stride;
            for (int j = 0; j < GS_PW_NVMAX * GS_VW; j++) bias_t[j] = j < n_ch ? bias[c0 + j] : 0.0f;
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

#ifdef GS_MN_DEPTHWISE
/* Columns [j0, j0 + GS_VW) of output row i of one channel, every read inside
 * the row (the caller checks): the taps of each input row in range, left to
 * right after the bias, as in gs_dw3x3_pixel. Stride 2 reads the row
 * de-interleaved: even columns for taps 0 and 2, odd ones for tap 1. */
static inline __attribute__((always_inline)) GS_MN_TARGET gs_v
dw_chunk(const int stride, const float *restrict plane, int h, int w, int pad_top, int pad_left,
         const gs_v k[9], gs_v acc, int i, int j0) {
    GS_UNROLL
    for (int a = 0; a < 3; a++) {
        const int y = i * stride + a - pad_top;
        if (y < 0 || y >= h) continue;
        const float *r = plane + (size_t)y * w + (size_t)(j0 * stride - pad_left);
        if (stride == 1) {
            acc = V_FMA(k[3 * a], V_LOAD(r), acc);
            acc = V_FMA(k[3 * a + 1], V_LOAD(r + 1), acc);
            acc = V_FMA(k[3 * a + 2], V_LOAD(r + 2), acc);
        } else {
            gs_v e0, o0, e1, o1;
            V_LOAD_EVEN_ODD(r, e0, o0);
            V_LOAD_EVEN_ODD(r + 2, e1, o1);
            (void)o1;
            acc = V_FMA(k[3 * a], e0, acc);
            acc = V_FMA(k[3 * a + 1], o0, acc);
            acc = V_FMA(k[3 * a + 2], e1, acc);
        }
    }
    return acc;
}

/* Each output row in vectors along w: from the first column whose taps all lie
 * right of the left edge, in steps of GS_VW, the last vector moved back to end
 * at the last column whose reads all lie inside the row (overlapping the one
 * before: in and out do not alias, so recomputing is harmless). The columns
 * outside that range (one or two at each edge, or all of a row narrower than
 * a vector) take the scalar path. */
static inline __attribute__((always_inline)) GS_MN_TARGET void
dw_channel(const int stride, const float *restrict plane, int h, int w, int pad_top, int pad_left,
           const float *restrict k9, float bias, int relu, float relu_max, float *restrict dst, int oh, int ow) {
    const int jb = (pad_left + stride - 1) / stride;
    /* Last read of a vector at j0: j0 + GS_VW + 1 - pad_left at stride 1,
     * 2 j0 + 2 GS_VW + 1 - pad_left at stride 2 (the shifted even load). */
    const int room = stride == 1 ? w - GS_VW - 2 + pad_left : w - 2 * GS_VW - 2 + pad_left;
    int jl = room < 0 ? -1 : stride == 1 ? room : room / 2;
    if (jl > ow - GS_VW) jl = ow - GS_VW;
    gs_v k[9];
    GS_UNROLL
    for (int t = 0; t < 9; t++) k[t] = V_SET1(k9[t]);
    const gs_v b = V_SET1(bias), zero = V_SET1(0.0f), cap = V_SET1(relu_max);
    for (int i = 0; i < oh; i++) {
        float *restrict row = dst + (size_t)i * ow;
        int scalar_from = ow, scalar_to = ow; /* the columns [from, to) the vectors cover */
        if (jl >= jb) {
            for (int j0 = jb;; j0 += GS_VW) {
                if (j0 > jl) j0 = jl;
                V_STORE(row + j0, mn_act(dw_chunk(stride, plane, h, w, pad_top, pad_left, k, b, i, j0), relu, zero, cap));
                if (j0 == jl) break;
            }
            scalar_from = jb;
            scalar_to = jl + GS_VW;
        }
        for (int j = 0; j < ow; j++) {
            if (j == scalar_from) j = scalar_to;
            if (j >= ow) break;
            row[j] = gs_pw_act(gs_dw3x3_pixel(plane, h, w, stride, pad_top, pad_left, k9, bias, i, j), relu, relu_max);
        }
    }
}

GS_MN_TARGET void GS_MN_SUFFIX(gs_depthwise3x3)(const float *restrict in, int c, int h, int w, int stride,
                                                int pad_top, int pad_left, const float *restrict weight,
                                                const float *restrict bias, int relu, float relu_max,
                                                float *restrict out, int oh, int ow) {
    for (int ch = 0; ch < c; ch++) {
        const float *restrict plane = in + (size_t)ch * h * w;
        float *restrict dst = out + (size_t)ch * oh * ow;
        if (stride == 1)
            dw_channel(1, plane, h, w, pad_top, pad_left, weight + (size_t)ch * 9, bias[ch], relu, relu_max, dst, oh, ow);
        else
            dw_channel(2, plane, h, w, pad_top, pad_left, weight + (size_t)ch * 9, bias[ch], relu, relu_max, dst, oh, ow);
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
