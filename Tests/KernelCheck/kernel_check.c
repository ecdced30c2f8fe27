/* Checks the kernels this CPU dispatches to (AVX2+FMA on x86-64, NEON on
 * aarch64) against the scalar references, within 1e-5 of the reference's
 * largest magnitude, on random shapes with vector tails. A standalone C
 * program so that the NEON path can be cross-compiled and run under
 * qemu-user on an x86 machine: scripts/check-kernels-aarch64.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs_kernels.h"

static int passed, failed;
static unsigned long long rng_state = 0x9E3779B97F4A7C15ull;

static float uniform(float lo, float hi) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (float)((rng_state >> 40) & 0xFFFFFF) / (float)0x1000000;
}

static float *randoms(size_t n, float lo, float hi) {
    float *v = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++) v[i] = uniform(lo, hi);
    return v;
}

static void check(const char *what, const float *got, const float *want, size_t n) {
    float scale = 1e-30f;
    for (size_t i = 0; i < n; i++) scale = fabsf(want[i]) > scale ? fabsf(want[i]) : scale;
    for (size_t i = 0; i < n; i++) {
        if (!(fabsf(got[i] - want[i]) <= 1e-5f * scale)) {
            printf("FAIL %s at %zu: %g vs %g\n", what, i, got[i], want[i]);
            failed++;
            return;
        }
    }
    passed++;
}

typedef void (*conv2d_fn)(const float *restrict, int, int, int, int, int, const int32_t *restrict,
                          const float *restrict, const float *restrict, int, int, float *restrict);
typedef void (*maxmin_fn)(const float *restrict, int, int, int, int, int, const int32_t *restrict,
                          const float *restrict, const float *restrict, int, float *restrict, float *restrict);

/* got against want element by element, within 1e-5 of 1 + bound[i] (the sum of
 * |w x| + |bias| of that output: rounding grows with it, not with the result). */
static void check_bounded(const char *what, const float *got, const float *want, const float *bound, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!(fabsf(got[i] - want[i]) <= 1e-5f * (1.0f + bound[i]))) {
            printf("FAIL %s at %zu: %g vs %g\n", what, i, got[i], want[i]);
            failed++;
            return;
        }
    }
    passed++;
}

#define GUARD 64

static void check_guard(const char *what, const float *guard) {
    for (int i = 0; i < GUARD; i++) {
        if (guard[i] != 7.0f) {
            printf("FAIL %s: stored %d floats past the output\n", what, i + 1);
            failed++;
            return;
        }
    }
    passed++;
}

/* The direct convolution's SIMD versions (every one this CPU runs) against
 * gs_conv2d_scalar, plain and reduced over rows, on one shape. */
static void check_conv2d(int c_in, int h, int w, int top, int bottom, int left, int right, int kh, int kw, int c_out) {
    const int hp = h + top + bottom, wp = w + left + right, h_out = hp - kh + 1, w_out = wp - kw + 1;
    const size_t taps = (size_t)c_in * kh * kw, n_map = (size_t)c_out * h_out * w_out, n_row = (size_t)c_out * w_out;
    const size_t n_pad = gs_pad2d_floats(c_in, h, w, top, bottom, left, right);
    float *x = randoms((size_t)c_in * h * w, -1, 1), *wt = randoms(taps * c_out, -1, 1), *b = randoms(c_out, -1, 1);
    float *xp = randoms(n_pad, 0, 0), *ax = randoms(n_pad, 0, 0);
    float *packed = randoms(gs_conv_packed_floats(c_in, kh, kw, c_out), 0, 0);
    float *apacked = randoms(gs_conv_packed_floats(c_in, kh, kw, c_out), 0, 0);
    int32_t *offsets = malloc(taps * sizeof(int32_t));
    gs_pad2d(x, c_in, h, w, top, bottom, left, right, xp);
    gs_conv_pack(wt, c_in, kh, kw, c_out, packed);
    gs_conv_offsets(c_in, kh, kw, hp, wp, offsets);
    /* The bound: the same convolution of |x|, |w| and |bias|. */
    for (size_t i = 0; i < n_pad; i++) ax[i] = fabsf(xp[i]);
    for (size_t i = 0; i < gs_conv_packed_floats(c_in, kh, kw, c_out); i++) apacked[i] = fabsf(packed[i]);
    float *ab = randoms(c_out, 0, 0), *bound = randoms(n_map, 0, 0), *rbound = randoms(n_row, 0, 0);
    for (int o = 0; o < c_out; o++) ab[o] = fabsf(b[o]);
    gs_conv2d_scalar(ax, c_in, hp, wp, kh, kw, offsets, apacked, ab, c_out, 0, bound);
    float *scratch = randoms(n_row, 0, 0);
    gs_conv2d_maxmin_h_scalar(ax, c_in, hp, wp, kh, kw, offsets, apacked, ab, c_out, rbound, scratch);
    /* The outputs under test have GUARD sentinels after them: a tail store past
     * the last valid column must not land there. */
    float *want = randoms(n_map, 0, 0), *got = randoms(n_map + GUARD, 7, 7);
    float *want_max = randoms(n_row, 0, 0), *want_min = randoms(n_row, 0, 0);
    float *got_max = randoms(n_row + GUARD, 7, 7), *got_min = randoms(n_row + GUARD, 7, 7);
    gs_conv2d_maxmin_h_scalar(xp, c_in, hp, wp, kh, kw, offsets, packed, b, c_out, want_max, want_min);
    const char *names[3] = {0};
    conv2d_fn convs[3] = {0};
    maxmin_fn maxmins[3] = {0};
    int n_isa = 0;
#if defined(GS_HAVE_AVX2)
    if (gs_active_isa() == GS_ISA_AVX2) {
        names[n_isa] = "avx2"; convs[n_isa] = gs_conv2d_avx2; maxmins[n_isa++] = gs_conv2d_maxmin_h_avx2;
    }
    if (gs_uses_avx512()) {
        names[n_isa] = "avx512"; convs[n_isa] = gs_conv2d_avx512; maxmins[n_isa++] = gs_conv2d_maxmin_h_avx512;
    }
#endif
#if defined(GS_HAVE_NEON)
    names[n_isa] = "neon"; convs[n_isa] = gs_conv2d_neon; maxmins[n_isa++] = gs_conv2d_maxmin_h_neon;
#endif
    char what[160];
    for (int v = 0; v < n_isa; v++) {
        for (int relu = 0; relu < 2; relu++) {
            gs_conv2d_scalar(xp, c_in, hp, wp, kh, kw, offsets, packed, b, c_out, relu, want);
            convs[v](xp, c_in, hp, wp, kh, kw, offsets, packed, b, c_out, relu, got);
            snprintf(what, sizeof what, "conv2d %s %d->%d %dx%d pad %d/%d/%d/%d k %dx%d relu %d", names[v], c_in,
                     c_out, h, w, top, bottom, left, right, kh, kw, relu);
            check_bounded(what, got, want, bound, n_map);
            check_guard(what, got + n_map);
        }
        maxmins[v](xp, c_in, hp, wp, kh, kw, offsets, packed, b, c_out, got_max, got_min);
        snprintf(what, sizeof what, "conv2d maxmin_h %s %d->%d %dx%d pad %d/%d/%d/%d k %dx%d", names[v], c_in,
                 c_out, h, w, top, bottom, left, right, kh, kw);
        check_bounded(what, got_max, want_max, rbound, n_row);
        check_bounded(what, got_min, want_min, rbound, n_row);
        check_guard(what, got_max + n_row);
        check_guard(what, got_min + n_row);
    }
    free(x); free(wt); free(b); free(xp); free(ax); free(packed); free(apacked); free(offsets); free(ab);
    free(bound); free(rbound); free(scratch); free(want); free(got); free(want_max); free(want_min);
    free(got_max); free(got_min);
}

typedef void (*wino_conv_fn)(const float *restrict, int, int, int, int, const float *restrict, const float *restrict,
                             int, int, float *restrict, float *restrict);
typedef void (*wino_maxmin_fn)(const float *restrict, int, int, int, int, const float *restrict,
                               const float *restrict, int, float *restrict, float *restrict, float *restrict);

/* The Winograd F(2,7) versions (scalar everywhere, AVX2 and AVX-512F where
 * this CPU runs them) against the direct gs_conv2d_scalar, plain and reduced
 * over rows, within 2e-5 of 1 + sum |w x| + |bias| per output (the transforms
 * round differently from the direct sum). xp is padded by 3/3 in time. */
static void check_wino27(int c_in, int h, int w, int top, int bottom, int kh, int c_out) {
    const int left = 3, right = 3, kw = 7;
    const int hp = h + top + bottom, wp = w + left + right, h_out = hp - kh + 1, w_out = wp - kw + 1;
    const size_t taps = (size_t)c_in * kh * kw, n_map = (size_t)c_out * h_out * w_out, n_row = (size_t)c_out * w_out;
    const size_t n_pad = gs_pad2d_floats(c_in, h, w, top, bottom, left, right), n_pk = gs_conv_packed_floats(c_in, kh, kw, c_out);
    float *x = randoms((size_t)c_in * h * w, -1, 3), *wt = randoms(taps * c_out, -1, 1), *b = randoms(c_out, -1, 1);
    float *xp = randoms(n_pad, 0, 0), *ax = randoms(n_pad, 0, 0), *packed = randoms(n_pk, 0, 0), *apacked = randoms(n_pk, 0, 0);
    float *wpacked = randoms(gs_wino27_packed_floats(c_in, kh, c_out), 0, 0);
    int32_t *offsets = malloc(taps * sizeof(int32_t));
    gs_pad2d(x, c_in, h, w, top, bottom, left, right, xp);
    gs_conv_pack(wt, c_in, kh, kw, c_out, packed);
    gs_conv_offsets(c_in, kh, kw, hp, wp, offsets);
    gs_wino27_pack(wt, c_in, kh, c_out, wpacked);
    for (size_t i = 0; i < n_pad; i++) ax[i] = fabsf(xp[i]);
    for (size_t i = 0; i < n_pk; i++) apacked[i] = fabsf(packed[i]);
    float *ab = randoms(c_out, 0, 0), *bound = randoms(n_map, 0, 0), *rbound = randoms(n_row, 0, 0), *tmp = randoms(n_row, 0, 0);
    for (int o = 0; o < c_out; o++) ab[o] = fabsf(b[o]);
    gs_conv2d_scalar(ax, c_in, hp, wp, kh, kw, offsets, apacked, ab, c_out, 0, bound);
    gs_conv2d_maxmin_h_scalar(ax, c_in, hp, wp, kh, kw, offsets, apacked, ab, c_out, rbound, tmp);
    for (size_t i = 0; i < n_map; i++) bound[i] *= 2.0f; /* check_bounded's 1e-5 -> 2e-5 */
    for (size_t i = 0; i < n_row; i++) rbound[i] *= 2.0f;
    float *want = randoms(n_map, 0, 0), *got = randoms(n_map + GUARD, 7, 7);
    float *want_max = randoms(n_row, 0, 0), *want_min = randoms(n_row, 0, 0);
    float *got_max = randoms(n_row + GUARD, 7, 7), *got_min = randoms(n_row + GUARD, 7, 7);
    float *scratch = randoms(gs_wino27_scratch_floats(c_in, hp, wp), -9, 9);
    gs_conv2d_maxmin_h_scalar(xp, c_in, hp, wp, kh, kw, offsets, packed, b, c_out, want_max, want_min);
    const char *names[3] = {"scalar", 0, 0};
    wino_conv_fn convs[3] = {gs_conv2d_wino27_scalar, 0, 0};
    wino_maxmin_fn maxmins[3] = {gs_conv2d_maxmin_h_wino27_scalar, 0, 0};
    int n_isa = 1;
#if defined(GS_HAVE_AVX2)
    if (gs_active_isa() == GS_ISA_AVX2) {
        names[n_isa] = "avx2"; convs[n_isa] = gs_conv2d_wino27_avx2; maxmins[n_isa++] = gs_conv2d_maxmin_h_wino27_avx2;
    }
    if (gs_uses_avx512()) {
        names[n_isa] = "avx512"; convs[n_isa] = gs_conv2d_wino27_avx512; maxmins[n_isa++] = gs_conv2d_maxmin_h_wino27_avx512;
    }
#endif
    char what[160];
    for (int v = 0; v < n_isa; v++) {
        for (int relu = 0; relu < 2; relu++) {
            gs_conv2d_scalar(xp, c_in, hp, wp, kh, kw, offsets, packed, b, c_out, relu, want);
            for (size_t i = 0; i < n_map + GUARD; i++) got[i] = 7.0f;
            convs[v](xp, c_in, hp, wp, kh, wpacked, b, c_out, relu, got, scratch);
            snprintf(what, sizeof what, "wino27 %s %d->%d %dx%d pad %d/%d k %d relu %d", names[v], c_in, c_out, h, w,
                     top, bottom, kh, relu);
            check_bounded(what, got, want, bound, n_map);
            check_guard(what, got + n_map);
        }
        for (size_t i = 0; i < n_row + GUARD; i++) got_max[i] = got_min[i] = 7.0f;
        maxmins[v](xp, c_in, hp, wp, kh, wpacked, b, c_out, got_max, got_min, scratch);
        snprintf(what, sizeof what, "wino27 maxmin_h %s %d->%d %dx%d pad %d/%d k %d", names[v], c_in, c_out, h, w,
                 top, bottom, kh);
        check_bounded(what, got_max, want_max, rbound, n_row);
        check_bounded(what, got_min, want_min, rbound, n_row);
        check_guard(what, got_max + n_row);
        check_guard(what, got_min + n_row);
    }
    free(x); free(wt); free(b); free(xp); free(ax); free(packed); free(apacked); free(wpacked); free(offsets);
    free(ab); free(bound); free(rbound); free(tmp); free(want); free(got); free(want_max); free(want_min);
    free(got_max); free(got_min); free(scratch);
}

/* ---- MobileNet kernels ---------------------------------------------------- */

static float naive_act(double v, int relu, float relu_max) {
    if (!relu) return (float)v;
    v = v > 0 ? v : 0;
    return (float)(v < relu_max ? v : relu_max);
}

/* The depthwise convolution straight from its formula, in double. */
static void naive_depthwise3x3(const float *in, int c, int h, int w, int stride, int pt, int pl, const float *wt,
                               const float *b, int relu, float relu_max, float *out, int oh, int ow) {
    for (int k = 0; k < c; k++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                double acc = b[k];
                for (int a = 0; a < 3; a++)
                    for (int bb = 0; bb < 3; bb++) {
                        const int y = i * stride + a - pt, x = j * stride + bb - pl;
                        if (y >= 0 && y < h && x >= 0 && x < w)
                            acc += (double)wt[k * 9 + a * 3 + bb] * in[((size_t)k * h + y) * w + x];
                    }
                out[((size_t)k * oh + i) * ow + j] = naive_act(acc, relu, relu_max);
            }
}

/* The pointwise convolution from the plain [cout][cin] weights, in double. */
static void naive_pointwise(const float *in, int cin, int hw, const float *wt, const float *b, int cout, int relu,
                            float relu_max, float *out) {
    for (int co = 0; co < cout; co++)
        for (int p = 0; p < hw; p++) {
            double acc = b[co];
            for (int ci = 0; ci < cin; ci++) acc += (double)wt[(size_t)co * cin + ci] * in[(size_t)ci * hw + p];
            out[(size_t)co * hw + p] = naive_act(acc, relu, relu_max);
        }
}

typedef void (*depthwise_fn)(const float *restrict, int, int, int, int, int, int, const float *restrict,
                             const float *restrict, int, float, float *restrict, int, int);
typedef void (*pointwise_fn)(const float *restrict, int, int, const float *restrict, const float *restrict, int,
                             int, float, float *restrict);

/* The activations every MobileNet check runs: off, plain ReLU, ReLU capped at 0.5. */
static const int act_relu[3] = {0, 1, 1};
static const float act_max[3] = {INFINITY, INFINITY, 0.5f};

/* gs_depthwise3x3_scalar against the formula, then every SIMD version this CPU
 * runs against the scalar one, on one shape. oh and ow are the "same" sizes,
 * plus extra_h / extra_w rows and columns of bottom/right padding. */
static void check_depthwise(int c, int h, int w, int stride, int pt, int pl, int extra_h, int extra_w) {
    const int oh = (h + pt - 3) / stride + 1 + extra_h, ow = (w + pl - 3) / stride + 1 + extra_w;
    if (oh < 1 || ow < 1) return;
    const size_t n_out = (size_t)c * oh * ow;
    float *x = randoms((size_t)c * h * w, -1, 1), *wt = randoms((size_t)c * 9, -1, 1), *b = randoms(c, -1, 1);
    float *want = randoms(n_out, 0, 0), *naive = randoms(n_out, 0, 0), *got = randoms(n_out + GUARD, 7, 7);
    /* The bound check_bounded scales by: the same convolution of |x|, |w| and |bias|. */
    float *ax = randoms((size_t)c * h * w, 0, 0), *awt = randoms((size_t)c * 9, 0, 0), *ab = randoms(c, 0, 0);
    float *bound = randoms(n_out, 0, 0);
    for (size_t i = 0; i < (size_t)c * h * w; i++) ax[i] = fabsf(x[i]);
    for (size_t i = 0; i < (size_t)c * 9; i++) awt[i] = fabsf(wt[i]);
    for (int k = 0; k < c; k++) ab[k] = fabsf(b[k]);
    naive_depthwise3x3(ax, c, h, w, stride, pt, pl, awt, ab, 0, INFINITY, bound, oh, ow);
    const char *names[3] = {0};
    depthwise_fn fns[3] = {0};
    int n_isa = 0;
#if defined(GS_HAVE_AVX2)
    if (gs_active_isa() == GS_ISA_AVX2) { names[n_isa] = "avx2"; fns[n_isa++] = gs_depthwise3x3_avx2; }
#endif
#if defined(GS_HAVE_NEON)
    names[n_isa] = "neon"; fns[n_isa++] = gs_depthwise3x3_neon;
#endif
    char what[160];
    for (int a = 0; a < 3; a++) {
        gs_depthwise3x3_scalar(x, c, h, w, stride, pt, pl, wt, b, act_relu[a], act_max[a], want, oh, ow);
        naive_depthwise3x3(x, c, h, w, stride, pt, pl, wt, b, act_relu[a], act_max[a], naive, oh, ow);
        snprintf(what, sizeof what, "depthwise scalar vs formula %dx%dx%d s%d pad %d/%d out %dx%d act %d", c, h, w,
                 stride, pt, pl, oh, ow, a);
        check_bounded(what, want, naive, bound, n_out);
        for (int v = 0; v < n_isa; v++) {
            for (size_t i = 0; i < n_out + GUARD; i++) got[i] = 7.0f;
            fns[v](x, c, h, w, stride, pt, pl, wt, b, act_relu[a], act_max[a], got, oh, ow);
            snprintf(what, sizeof what, "depthwise %s %dx%dx%d s%d pad %d/%d out %dx%d act %d", names[v], c, h, w,
                     stride, pt, pl, oh, ow, a);
            check_bounded(what, got, want, bound, n_out);
            check_guard(what, got + n_out);
        }
    }
    free(x); free(wt); free(b); free(want); free(naive); free(got); free(ax); free(awt); free(ab); free(bound);
}

/* gs_pointwise_pack + gs_pointwise_scalar against the formula on the plain
 * weights, then every SIMD version this CPU runs (and the dispatching one)
 * against the scalar one. */
static void check_pointwise(int cin, int hw, int cout) {
    const size_t n_out = (size_t)cout * hw, n_pk = gs_pointwise_packed_floats(cin, cout);
    float *x = randoms((size_t)cin * hw, -1, 1), *wt = randoms((size_t)cout * cin, -1, 1), *b = randoms(cout, -1, 1);
    float *packed = randoms(n_pk, -9, 9), *want = randoms(n_out, 0, 0), *naive = randoms(n_out, 0, 0);
    float *got = randoms(n_out + GUARD, 7, 7);
    gs_pointwise_pack(wt, cin, cout, packed);
    float *ax = randoms((size_t)cin * hw, 0, 0), *awt = randoms((size_t)cout * cin, 0, 0), *ab = randoms(cout, 0, 0);
    float *bound = randoms(n_out, 0, 0);
    for (size_t i = 0; i < (size_t)cin * hw; i++) ax[i] = fabsf(x[i]);
    for (size_t i = 0; i < (size_t)cout * cin; i++) awt[i] = fabsf(wt[i]);
    for (int k = 0; k < cout; k++) ab[k] = fabsf(b[k]);
    naive_pointwise(ax, cin, hw, awt, ab, cout, 0, INFINITY, bound);
    const char *names[4] = {"dispatch", 0, 0, 0};
    pointwise_fn fns[4] = {gs_pointwise, 0, 0, 0};
    int n_isa = 1;
#if defined(GS_HAVE_AVX2)
    if (gs_active_isa() == GS_ISA_AVX2) { names[n_isa] = "avx2"; fns[n_isa++] = gs_pointwise_avx2; }
    if (gs_uses_avx512()) { names[n_isa] = "avx512"; fns[n_isa++] = gs_pointwise_avx512; }
#endif
#if defined(GS_HAVE_NEON)
    names[n_isa] = "neon"; fns[n_isa++] = gs_pointwise_neon;
#endif
    char what[160];
    for (int a = 0; a < 3; a++) {
        gs_pointwise_scalar(x, cin, hw, packed, b, cout, act_relu[a], act_max[a], want);
        naive_pointwise(x, cin, hw, wt, b, cout, act_relu[a], act_max[a], naive);
        snprintf(what, sizeof what, "pointwise scalar vs formula %d->%d hw %d act %d", cin, cout, hw, a);
        check_bounded(what, want, naive, bound, n_out);
        for (int v = 0; v < n_isa; v++) {
            for (size_t i = 0; i < n_out + GUARD; i++) got[i] = 7.0f;
            fns[v](x, cin, hw, packed, b, cout, act_relu[a], act_max[a], got);
            snprintf(what, sizeof what, "pointwise %s %d->%d hw %d act %d", names[v], cin, cout, hw, a);
            check_bounded(what, got, want, bound, n_out);
            check_guard(what, got + n_out);
        }
    }
    free(x); free(wt); free(b); free(packed); free(want); free(naive); free(got); free(ax); free(awt); free(ab);
    free(bound);
}

typedef void (*pointwise_q8_fn)(const float *restrict, int, int, const int8_t *restrict, const float *restrict,
                                const float *restrict, int, int, float, float *restrict);

/* gs_pointwise_q8_pack + gs_pointwise_q8_scalar against the formula on the
 * plain int8 weights and scales (q from -128 to 127, the whole range), then
 * every SIMD version this CPU runs (and the dispatching one) against the
 * scalar one. */
static void check_pointwise_q8(int cin, int hw, int cout) {
    const size_t n_out = (size_t)cout * hw, n_pk = gs_pointwise_q8_packed_bytes(cin, cout);
    float *x = randoms((size_t)cin * hw, -1, 1), *sc = randoms(cout, 0.001f, 0.02f), *b = randoms(cout, -1, 1);
    int8_t *q = malloc((size_t)cout * cin), *packed = malloc(n_pk ? n_pk : 1);
    for (size_t i = 0; i < (size_t)cout * cin; i++) q[i] = (int8_t)(-128 + (int)uniform(0, 256));
    memset(packed, 0x5A, n_pk);
    gs_pointwise_q8_pack(q, cin, cout, packed);
    /* The formula's weights q * scale, and the bound (of |x|, |w|, |bias|) check_bounded scales by. */
    float *wt = randoms((size_t)cout * cin, 0, 0), *awt = randoms((size_t)cout * cin, 0, 0);
    float *ax = randoms((size_t)cin * hw, 0, 0), *ab = randoms(cout, 0, 0), *bound = randoms(n_out, 0, 0);
    for (int co = 0; co < cout; co++)
        for (int ci = 0; ci < cin; ci++) {
            wt[(size_t)co * cin + ci] = (float)q[(size_t)co * cin + ci] * sc[co];
            awt[(size_t)co * cin + ci] = fabsf(wt[(size_t)co * cin + ci]);
        }
    for (size_t i = 0; i < (size_t)cin * hw; i++) ax[i] = fabsf(x[i]);
    for (int k = 0; k < cout; k++) ab[k] = fabsf(b[k]);
    naive_pointwise(ax, cin, hw, awt, ab, cout, 0, INFINITY, bound);
    float *want = randoms(n_out, 0, 0), *naive = randoms(n_out, 0, 0), *got = randoms(n_out + GUARD, 7, 7);
    const char *names[4] = {"dispatch", 0, 0, 0};
    pointwise_q8_fn fns[4] = {gs_pointwise_q8, 0, 0, 0};
    int n_isa = 1;
#if defined(GS_HAVE_AVX2)
    if (gs_active_isa() == GS_ISA_AVX2) { names[n_isa] = "avx2"; fns[n_isa++] = gs_pointwise_q8_avx2; }
    if (gs_uses_avx512()) { names[n_isa] = "avx512"; fns[n_isa++] = gs_pointwise_q8_avx512; }
#endif
#if defined(GS_HAVE_NEON)
    names[n_isa] = "neon"; fns[n_isa++] = gs_pointwise_q8_neon;
#endif
    char what[160];
    for (int a = 0; a < 3; a++) {
        gs_pointwise_q8_scalar(x, cin, hw, packed, sc, b, cout, act_relu[a], act_max[a], want);
        naive_pointwise(x, cin, hw, wt, b, cout, act_relu[a], act_max[a], naive);
        snprintf(what, sizeof what, "pointwise q8 scalar vs formula %d->%d hw %d act %d", cin, cout, hw, a);
        check_bounded(what, want, naive, bound, n_out);
        for (int v = 0; v < n_isa; v++) {
            for (size_t i = 0; i < n_out + GUARD; i++) got[i] = 7.0f;
            fns[v](x, cin, hw, packed, sc, b, cout, act_relu[a], act_max[a], got);
            snprintf(what, sizeof what, "pointwise q8 %s %d->%d hw %d act %d", names[v], cin, cout, hw, a);
            check_bounded(what, got, want, bound, n_out);
            check_guard(what, got + n_out);
        }
    }
    free(x); free(sc); free(b); free(q); free(packed); free(wt); free(awt); free(ax); free(ab); free(bound);
    free(want); free(naive); free(got);
}

/* gs_clamp (in place and not) and gs_subsample2d: the scalar versions against
 * plain loops, the dispatching ones against the scalar ones (exact: no arithmetic). */
static void check_clamp_subsample(void) {
    const size_t sizes[] = {0, 1, 7, 8, 15, 16, 17, 33, 100, 1000};
    char what[160];
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const size_t n = sizes[s];
        float *x = randoms(n, -2, 2), *want = randoms(n + 1, 0, 0), *got = randoms(n + GUARD, 7, 7);
        if (n > 2) x[n / 2] = NAN;
        gs_clamp_scalar(x, n, -0.5f, 1.25f, want);
        int bad = 0;
        for (size_t i = 0; i < n; i++) {
            const float v = isnan(x[i]) ? -0.5f : fminf(fmaxf(x[i], -0.5f), 1.25f);
            bad |= want[i] != v;
        }
        snprintf(what, sizeof what, "clamp scalar vs formula n %zu", n);
        if (bad) { printf("FAIL %s\n", what); failed++; } else passed++;
        gs_clamp(x, n, -0.5f, 1.25f, got);
        snprintf(what, sizeof what, "clamp n %zu", n);
        check(what, got, want, n);
        check_guard(what, got + n);
        gs_clamp(x, n, -0.5f, 1.25f, x);
        snprintf(what, sizeof what, "clamp in place n %zu", n);
        check(what, x, want, n);
        free(x); free(want); free(got);
    }
    const int shapes[][5] = {{32, 64, 96, 2, 2}, {3, 7, 9, 2, 2}, {2, 5, 33, 1, 2}, {4, 6, 17, 2, 1},
                             {1, 1, 1, 2, 2}, {2, 9, 40, 3, 3}, {3, 4, 64, 1, 1}, {1, 3, 31, 2, 2}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int c = shapes[s][0], h = shapes[s][1], w = shapes[s][2], sh = shapes[s][3], sw = shapes[s][4];
        const int oh = (h - 1) / sh + 1, ow = (w - 1) / sw + 1;
        const size_t n = (size_t)c * oh * ow;
        float *x = randoms((size_t)c * h * w, -1, 1), *want = randoms(n, 0, 0), *got = randoms(n + GUARD, 7, 7);
        gs_subsample2d_scalar(x, c, h, w, sh, sw, want);
        int bad = 0;
        for (int k = 0; k < c; k++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    bad |= want[((size_t)k * oh + i) * ow + j] != x[((size_t)k * h + (size_t)i * sh) * w + (size_t)j * sw];
        snprintf(what, sizeof what, "subsample2d scalar vs formula %dx%dx%d by %dx%d", c, h, w, sh, sw);
        if (bad) { printf("FAIL %s\n", what); failed++; } else passed++;
        gs_subsample2d(x, c, h, w, sh, sw, got);
        snprintf(what, sizeof what, "subsample2d %dx%dx%d by %dx%d", c, h, w, sh, sw);
        check(what, got, want, n);
        check_guard(what, got + n);
        free(x); free(want); free(got);
    }
}

/* YAMNet's shapes (fewer channels where qemu would be slow), then random ones
 * with tails: odd c, hw and cout off every vector and panel multiple, strides 1
 * and 2, padding 0 and 1, with and without the extra bottom/right row. */
static void check_mobilenet(void) {
    const int dw_shapes[][6] = {{32, 32, 48, 1, 1, 1}, {64, 32, 48, 2, 0, 0}, {16, 16, 24, 2, 0, 0},
                                {8, 8, 12, 2, 0, 0},   {8, 4, 6, 2, 0, 0},    {8, 2, 3, 1, 1, 1},
                                {3, 1, 1, 1, 1, 1},    {5, 9, 37, 1, 1, 1},   {3, 9, 37, 2, 1, 1},
                                {7, 3, 70, 2, 0, 1},   {1, 5, 2, 2, 1, 0},    {2, 2, 19, 1, 0, 0},
                                /* several bands of the SIMD versions' buffer, and rows too wide for one */
                                {2, 40, 300, 1, 1, 1}, {2, 30, 301, 2, 0, 0}, {1, 3, 5000, 1, 1, 1},
                                {1, 3, 5001, 2, 1, 1}};
    for (size_t s = 0; s < sizeof dw_shapes / sizeof dw_shapes[0]; s++) {
        const int *q = dw_shapes[s];
        check_depthwise(q[0], q[1], q[2], q[3], q[4], q[5], q[3] == 2 && q[4] == 0 ? 1 : 0, q[3] == 2 && q[5] == 0 ? 1 : 0);
        check_depthwise(q[0], q[1], q[2], q[3], q[4], q[5], 0, 0);
    }
    for (int t = 0; t < 40; t++) {
        const int c = 1 + (int)uniform(0, 9), h = 1 + (int)uniform(0, 12), w = 1 + (int)uniform(0, 80);
        const int stride = 1 + (int)uniform(0, 2), pt = (int)uniform(0, 2), pl = (int)uniform(0, 2);
        const int extra_h = (int)uniform(0, 2), extra_w = (int)uniform(0, 2);
        check_depthwise(c, h, w, stride, pt, pl, extra_h, extra_w);
    }
    const int pw_shapes[][3] = {{32, 1536, 64}, {64, 384, 128}, {128, 96, 256}, {256, 24, 512}, {512, 24, 64},
                                {512, 6, 1024}, {1024, 6, 48},  {1, 1, 1},      {3, 5, 17},     {7, 13, 33},
                                {5, 100, 31},   {17, 7, 16},    {2, 37, 47},    {9, 1, 100},    {33, 29, 15}};
    for (size_t s = 0; s < sizeof pw_shapes / sizeof pw_shapes[0]; s++) {
        check_pointwise(pw_shapes[s][0], pw_shapes[s][1], pw_shapes[s][2]);
        check_pointwise_q8(pw_shapes[s][0], pw_shapes[s][1], pw_shapes[s][2]);
    }
    for (int t = 0; t < 30; t++) {
        const int cin = 1 + (int)uniform(0, 70), hw = 1 + (int)uniform(0, 60), cout = 1 + (int)uniform(0, 80);
        check_pointwise(cin, hw, cout);
        check_pointwise_q8(cin, hw, cout);
    }
    check_clamp_subsample();
}

int main(void) {
    const char *isa[] = {"scalar", "avx2", "neon"};
    printf("dispatching to %s kernels%s\n", isa[gs_active_isa()],
           gs_uses_avx512() ? " (convolution, max-pool and pointwise, f32 and q8: avx512)" : "");
    check_mobilenet(); /* the scalar references against their formulas run everywhere */
    if (gs_active_isa() == GS_ISA_SCALAR) {
        printf("no SIMD kernels on this CPU: nothing more to compare\n%d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
    }
    char what[128];
    const int conv_shapes[][4] = {{1, 16, 128, 39}, {16, 32, 64, 19}, {64, 128, 16, 4}, {128, 256, 8, 2},
                                  {3, 7, 5, 3}, {1, 1, 1, 1}, {5, 13, 17, 11}, {9, 6, 2, 33},
                                  {5, 31, 7, 6}, {2, 45, 3, 17}, {4, 9, 1, 7}, {3, 5, 6, 1}};
    for (size_t s = 0; s < sizeof conv_shapes / sizeof conv_shapes[0]; s++) {
        const int cin = conv_shapes[s][0], cout = conv_shapes[s][1], h = conv_shapes[s][2], w = conv_shapes[s][3];
        for (int relu = 0; relu < 2; relu++) {
            float *x = randoms((size_t)cin * h * w, -1, 1), *wt = randoms((size_t)cout * cin * 9, -1, 1), *b = randoms(cout, -1, 1);
            float *want = randoms((size_t)cout * h * w, 0, 0), *got = randoms((size_t)cout * h * w, 0, 0);
            float *scratch = randoms(gs_conv3x3_scratch_floats(cin, h, w), -9, 9);
            gs_conv3x3_scalar(x, cin, h, w, wt, b, cout, relu, want, NULL);
            float *packed = randoms((size_t)cout * cin * 9, 0, 0);
            gs_conv3x3_pack(wt, cin, cout, packed);
            gs_conv3x3(x, cin, h, w, packed, b, cout, relu, got, scratch);
            snprintf(what, sizeof what, "conv %d->%d %dx%d relu %d", cin, cout, h, w, relu);
            check(what, got, want, (size_t)cout * h * w);
            free(x); free(wt); free(b); free(want); free(got); free(scratch); free(packed);
        }
    }
    const int pool_shapes[][5] = {{3, 128, 39, 2, 2}, {5, 9, 37, 2, 2}, {2, 7, 17, 1, 2}, {4, 8, 21, 2, 1}, {3, 10, 9, 3, 3},
                                  {2, 5, 65, 2, 2}, {3, 4, 33, 2, 2}, {2, 6, 3, 2, 2}};
    for (size_t s = 0; s < sizeof pool_shapes / sizeof pool_shapes[0]; s++) {
        const int c = pool_shapes[s][0], h = pool_shapes[s][1], w = pool_shapes[s][2], kh = pool_shapes[s][3], kw = pool_shapes[s][4];
        float *x = randoms((size_t)c * h * w, -1, 1);
        const size_t n = (size_t)c * (h / kh) * (w / kw);
        float *want = randoms(n, 0, 0), *got = randoms(n, 0, 0), *mw = randoms(c, 0, 0), *mg = randoms(c, 0, 0);
        gs_maxpool_scalar(x, c, h, w, kh, kw, want);
        gs_maxpool(x, c, h, w, kh, kw, got);
        snprintf(what, sizeof what, "maxpool %dx%dx%d by %dx%d", c, h, w, kh, kw);
        check(what, got, want, n);
        gs_global_avgpool_scalar(x, c, h, w, mw);
        gs_global_avgpool(x, c, h, w, mg);
        snprintf(what, sizeof what, "avgpool %dx%dx%d", c, h, w);
        check(what, mg, mw, c);
        free(x); free(want); free(got); free(mw); free(mg);
    }
    const int dense_shapes[][2] = {{256, 10}, {7, 3}, {33, 9}, {1, 1}, {64, 5}};
    for (size_t s = 0; s < sizeof dense_shapes / sizeof dense_shapes[0]; s++) {
        const int n_in = dense_shapes[s][0], n_out = dense_shapes[s][1];
        float *x = randoms(n_in, -1, 1), *wt = randoms((size_t)n_in * n_out, -1, 1), *b = randoms(n_out, -1, 1);
        float *want = randoms(n_out, 0, 0), *got = randoms(n_out, 0, 0);
        for (int relu = 0; relu < 2; relu++) {
            gs_dense_scalar(x, n_in, wt, b, n_out, relu, want);
            gs_dense(x, n_in, wt, b, n_out, relu, got);
            snprintf(what, sizeof what, "dense %d->%d relu %d", n_in, n_out, relu);
            check(what, got, want, n_out);
        }
        float *logits = randoms(n_out, -30, 30);
        gs_softmax_scalar(logits, n_out, want);
        gs_softmax(logits, n_out, got);
        snprintf(what, sizeof what, "softmax %d", n_out);
        check(what, got, want, n_out);
        free(x); free(wt); free(b); free(want); free(got); free(logits);
    }
    const int bins[] = {1025, 7, 9, 1};
    for (size_t s = 0; s < sizeof bins / sizeof bins[0]; s++) {
        float *spectrum = randoms(2 * (size_t)bins[s], -1, 1), *want = randoms(bins[s], 0, 0), *got = randoms(bins[s], 0, 0);
        gs_power_spectrum_scalar(spectrum, bins[s], want);
        gs_power_spectrum(spectrum, bins[s], got);
        snprintf(what, sizeof what, "power spectrum %d", bins[s]);
        check(what, got, want, bins[s]);
        free(spectrum); free(want); free(got);
    }
    /* A sparse filterbank with bands of every length from 1 to 40 bins. */
    int32_t start[40], len[40];
    size_t total = 0;
    for (int m = 0; m < 40; m++) { start[m] = m * 20; len[m] = m + 1; total += (size_t)(m + 1); }
    float *power = randoms(1025, 0, 10), *weights = randoms(total, 0, 1), *want = randoms(40, 0, 0), *got = randoms(40, 0, 0);
    gs_mel_apply_scalar(power, start, len, weights, 40, want);
    gs_mel_apply(power, start, len, weights, 40, got);
    check("mel filterbank", got, want, 40);
    free(power); free(weights); free(want); free(got);

    /* The direct convolution: musicnn's shapes (small c_out to keep qemu quick),
     * then tails of every kind: w_out past a multiple of 4, 16 and 64 or 1,
     * h_out 1, c_out not a multiple of 6. */
    const int conv2d_shapes[][10] = {
        {1, 96, 187, 0, 0, 3, 3, 38, 7, 7},   {1, 96, 50, 0, 0, 63, 64, 1, 128, 5}, {9, 1, 187, 0, 0, 3, 3, 1, 7, 13},
        {1, 5, 1, 0, 0, 0, 0, 5, 1, 1},       {2, 3, 9, 1, 1, 0, 0, 5, 9, 6},       {3, 12, 65, 2, 1, 4, 4, 7, 9, 12},
        {5, 40, 20, 0, 0, 1, 0, 40, 3, 5},    {1, 7, 63, 0, 0, 0, 1, 3, 1, 7},      {4, 2, 15, 1, 2, 2, 1, 4, 2, 1},
        {2, 9, 129, 0, 0, 3, 4, 2, 8, 14},    {1, 1, 16, 0, 0, 0, 0, 1, 1, 6},     {3, 4, 17, 0, 0, 0, 0, 4, 2, 19}};
    for (size_t s = 0; s < sizeof conv2d_shapes / sizeof conv2d_shapes[0]; s++) {
        const int *q = conv2d_shapes[s];
        check_conv2d(q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8], q[9]);
    }
    for (int t = 0; t < 40; t++) {
        const int c_in = 1 + (int)uniform(0, 5), kh = 1 + (int)uniform(0, 40), kw = 1 + (int)uniform(0, 9);
        const int top = (int)uniform(0, 3), bottom = (int)uniform(0, 3), left = (int)uniform(0, 5), right = (int)uniform(0, 5);
        const int h = kh - top - bottom + (int)uniform(0, 6), w = kw - left - right + (int)uniform(0, 140);
        const int c_out = 1 + (int)uniform(0, 20);
        if (h >= 1 && w >= 1) check_conv2d(c_in, h, w, top, bottom, left, right, kh, kw, c_out);
    }

    /* Winograd F(2,7): musicnn's shapes (small c_out to keep qemu quick), then
     * tails: w_out odd and even, small, c_out 1, 5, 7, 13, kh 1..40. */
    const int wino_shapes[][7] = {
        {1, 96, 187, 0, 0, 38, 7},  {1, 96, 187, 0, 0, 67, 5}, {64, 1, 187, 0, 0, 1, 13}, {561, 1, 187, 0, 0, 1, 7},
        {1, 5, 1, 0, 0, 5, 1},      {2, 3, 2, 1, 1, 5, 6},     {3, 12, 65, 2, 1, 7, 12}, {5, 40, 20, 0, 0, 40, 5},
        {1, 7, 63, 0, 0, 3, 7},     {4, 2, 130, 1, 2, 4, 1},   {2, 9, 129, 0, 0, 2, 14}, {1, 1, 64, 0, 0, 1, 6},
        {2, 4, 17, 0, 0, 3, 5},     {1, 3, 50, 0, 0, 2, 13},   {3, 2, 146, 0, 0, 1, 7},  {1, 2, 8, 0, 0, 2, 1}};
    for (size_t s = 0; s < sizeof wino_shapes / sizeof wino_shapes[0]; s++) {
        const int *q = wino_shapes[s];
        check_wino27(q[0], q[1], q[2], q[3], q[4], q[5], q[6]);
    }
    for (int t = 0; t < 30; t++) {
        const int c_in = 1 + (int)uniform(0, 5), kh = 1 + (int)uniform(0, 40);
        const int top = (int)uniform(0, 3), bottom = (int)uniform(0, 3);
        const int h = kh - top - bottom + (int)uniform(0, 6), w = 1 + (int)uniform(0, 200);
        const int c_out = 1 + (int)uniform(0, 20);
        if (h >= 1) check_wino27(c_in, h, w, top, bottom, kh, c_out);
    }

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
