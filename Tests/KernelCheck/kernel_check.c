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

int main(void) {
    const char *isa[] = {"scalar", "avx2", "neon"};
    printf("dispatching to %s kernels%s\n", isa[gs_active_isa()],
           gs_uses_avx512() ? " (convolution and max-pool: avx512)" : "");
    if (gs_active_isa() == GS_ISA_SCALAR) {
        printf("no SIMD kernels on this CPU: nothing to compare\n0 passed, 0 failed\n");
        return 0;
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

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
