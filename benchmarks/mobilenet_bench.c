/* Speed of the MobileNet kernels on YAMNet's shapes (one 0.96-s patch, input
 * [1][64][96]): gs_pointwise and gs_pointwise_q8 (int8 weights) per version
 * in GFLOP/s (2 x multiply-adds / s), and the 13 depthwise + pointwise blocks
 * per patch in ms through the dispatching kernels, with float and int8
 * pointwise weights. Not a test; build and run with
 *   cc -std=c11 -O2 -I Sources/CKernels/include -I Sources/CKernels \
 *      $(find Sources/CKernels -name '*.c') benchmarks/mobilenet_bench.c -lm -o /tmp/mobilenet_bench
 *   /tmp/mobilenet_bench */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gs_kernels.h"

typedef void (*pointwise_fn)(const float *restrict, int, int, const float *restrict, const float *restrict, int,
                             int, float, float *restrict);

typedef void (*pointwise_q8_fn)(const float *restrict, int, int, const int8_t *restrict, const float *restrict,
                                const float *restrict, int, int, float, float *restrict);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); /* CPU time: the machine may be shared */
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Uniform in [-scale, scale]: weights scaled so the chain's values stay near 1
 * (no overflow to infinities, no subnormals to slow it down). */
static float *randoms(size_t n, float scale) {
    float *v = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) v[i] = scale * (2.0f * (float)rand() / (float)RAND_MAX - 1.0f);
    return v;
}

/* YAMNet's blocks after the first convolution: depthwise stride, channels in and
 * out, input height and width. */
static const int blocks[13][5] = {{1, 32, 64, 32, 48},   {2, 64, 128, 32, 48},  {1, 128, 128, 16, 24},
                                  {2, 128, 256, 16, 24}, {1, 256, 256, 8, 12},  {2, 256, 512, 8, 12},
                                  {1, 512, 512, 4, 6},   {1, 512, 512, 4, 6},   {1, 512, 512, 4, 6},
                                  {1, 512, 512, 4, 6},   {1, 512, 512, 4, 6},   {2, 512, 1024, 4, 6},
                                  {1, 1024, 1024, 2, 3}};

/* Best of `reps` runs of `rounds` calls (ms per call). */
#define TIME_BEST(ms, reps, rounds, ...)                                       \
    do {                                                                       \
        ms = 1e30;                                                             \
        for (int r_ = 0; r_ < (reps); r_++) {                                  \
            const double t0_ = now();                                          \
            for (int k_ = 0; k_ < (rounds); k_++) { __VA_ARGS__; }                 \
            const double t_ = (now() - t0_) * 1e3 / (rounds);                  \
            ms = t_ < ms ? t_ : ms;                                            \
        }                                                                      \
    } while (0)

/* q8_pk non-null: the int8 pointwise weights with their scales. */
static void run_chain(float *const dw_w[13], float *const dw_b[13], float *const pw_pk[13], int8_t *const q8_pk[13],
                      float *const q8_sc[13], float *const pw_b[13], int q8, float *a, float *b) {
    for (int l = 0; l < 13; l++) {
        const int s = blocks[l][0], cin = blocks[l][1], cout = blocks[l][2], h = blocks[l][3], w = blocks[l][4];
        const int oh = h / s, ow = w / s, pad = s == 1 ? 1 : 0;
        gs_depthwise3x3(a, cin, h, w, s, pad, pad, dw_w[l], dw_b[l], 1, INFINITY, b, oh, ow);
        if (q8) gs_pointwise_q8(b, cin, oh * ow, q8_pk[l], q8_sc[l], pw_b[l], cout, 1, INFINITY, a);
        else gs_pointwise(b, cin, oh * ow, pw_pk[l], pw_b[l], cout, 1, INFINITY, a);
    }
}

int main(void) {
    float *dw_w[13], *dw_b[13], *pw_pk[13], *pw_b[13], *q8_sc[13];
    int8_t *q8_pk[13];
    for (int l = 0; l < 13; l++) {
        const int cin = blocks[l][1], cout = blocks[l][2];
        dw_w[l] = randoms((size_t)cin * 9, 0.5f);
        dw_b[l] = randoms(cin, 0.1f);
        float *wt = randoms((size_t)cout * cin, 2.0f / sqrtf((float)cin));
        pw_pk[l] = malloc(gs_pointwise_packed_floats(cin, cout) * sizeof(float));
        gs_pointwise_pack(wt, cin, cout, pw_pk[l]);
        /* The same weights to int8, per output channel as a QDQ model has them. */
        int8_t *q = malloc((size_t)cout * cin);
        q8_sc[l] = malloc((size_t)cout * sizeof(float));
        for (int co = 0; co < cout; co++) {
            float m = 1e-30f;
            for (int ci = 0; ci < cin; ci++) m = fmaxf(m, fabsf(wt[(size_t)co * cin + ci]));
            q8_sc[l][co] = m / 127.0f;
            for (int ci = 0; ci < cin; ci++) q[(size_t)co * cin + ci] = (int8_t)lrintf(wt[(size_t)co * cin + ci] / q8_sc[l][co]);
        }
        q8_pk[l] = malloc(gs_pointwise_q8_packed_bytes(cin, cout));
        gs_pointwise_q8_pack(q, cin, cout, q8_pk[l]);
        free(q);
        free(wt);
        pw_b[l] = randoms(cout, 0.1f);
    }
    /* x: a fixed input for the layers timed alone; a, b: the chain's two buffers. */
    const size_t n_max = 64 * 32 * 48;
    float *x = randoms(n_max, 1.0f), *a = randoms(n_max, 1.0f), *b = randoms(n_max, 1.0f);

    const char *names[8] = {"scalar", "scalar q8"};
    pointwise_fn fns[8] = {gs_pointwise_scalar, 0};
    pointwise_q8_fn q8_fns[8] = {0, gs_pointwise_q8_scalar};
    int n_fns = 2;
#if defined(GS_HAVE_AVX2)
    if (gs_active_isa() == GS_ISA_AVX2) {
        names[n_fns] = "avx2"; fns[n_fns++] = gs_pointwise_avx2;
        names[n_fns] = "avx2 q8"; q8_fns[n_fns++] = gs_pointwise_q8_avx2;
    }
    if (gs_uses_avx512()) {
        names[n_fns] = "avx512"; fns[n_fns++] = gs_pointwise_avx512;
        names[n_fns] = "avx512 q8"; q8_fns[n_fns++] = gs_pointwise_q8_avx512;
    }
#elif defined(GS_HAVE_NEON)
    names[n_fns] = "neon"; fns[n_fns++] = gs_pointwise_neon;
    names[n_fns] = "neon q8"; q8_fns[n_fns++] = gs_pointwise_q8_neon;
#endif
    printf("gs_pointwise (f32) and gs_pointwise_q8, GFLOP/s (ms per call)\n%-16s", "cin->cout hw");
    for (int f = 0; f < n_fns; f++) printf("%20s", names[f]);
    printf("\n");
    double total_ms[8] = {0};
    for (int l = 0; l < 13; l++) {
        const int s = blocks[l][0], cin = blocks[l][1], cout = blocks[l][2];
        const int hw = (blocks[l][3] / s) * (blocks[l][4] / s);
        const double flop = 2.0 * cin * cout * hw;
        char shape[32];
        snprintf(shape, sizeof shape, "%d->%d %d", cin, cout, hw);
        printf("%-16s", shape);
        for (int f = 0; f < n_fns; f++) {
            double ms;
            const int rounds = (int)(2e8 / flop) + 1;
            if (fns[f]) TIME_BEST(ms, 9, rounds, fns[f](x, cin, hw, pw_pk[l], pw_b[l], cout, 1, INFINITY, b));
            else TIME_BEST(ms, 9, rounds, q8_fns[f](x, cin, hw, q8_pk[l], q8_sc[l], pw_b[l], cout, 1, INFINITY, b));
            total_ms[f] += ms;
            char cell[32];
            snprintf(cell, sizeof cell, "%.1f (%.4f)", flop / ms * 1e-6, ms);
            printf("%20s", cell);
        }
        printf("\n");
    }
    printf("%-16s", "all 13 (ms)");
    for (int f = 0; f < n_fns; f++) printf("%20.3f", total_ms[f]);
    printf("\n");

    /* The chain per patch, each block's depthwise (TF "same") then pointwise,
     * through the dispatching kernels, ping-ponging two buffers. */
    double dw_ms = 0, pw_ms = 0, q8_ms = 0, chain_ms, q8_chain_ms;
    for (int l = 0; l < 13; l++) {
        const int s = blocks[l][0], cin = blocks[l][1], cout = blocks[l][2], h = blocks[l][3], w = blocks[l][4];
        const int oh = h / s, ow = w / s, pad = s == 1 ? 1 : 0;
        double ms;
        TIME_BEST(ms, 9, 200, gs_depthwise3x3(x, cin, h, w, s, pad, pad, dw_w[l], dw_b[l], 1, INFINITY, b, oh, ow));
        dw_ms += ms;
        TIME_BEST(ms, 9, 200, gs_pointwise(x, cin, oh * ow, pw_pk[l], pw_b[l], cout, 1, INFINITY, a));
        pw_ms += ms;
        TIME_BEST(ms, 9, 200, gs_pointwise_q8(x, cin, oh * ow, q8_pk[l], q8_sc[l], pw_b[l], cout, 1, INFINITY, a));
        q8_ms += ms;
    }
    TIME_BEST(chain_ms, 9, 100, run_chain(dw_w, dw_b, pw_pk, q8_pk, q8_sc, pw_b, 0, a, b));
    TIME_BEST(q8_chain_ms, 9, 100, run_chain(dw_w, dw_b, pw_pk, q8_pk, q8_sc, pw_b, 1, a, b));
    printf("\nper patch, dispatching kernels: depthwise %.3f ms + pointwise %.3f ms, q8 %.3f ms (each layer timed "
           "alone, warm caches); the 13-block chain %.3f ms, with q8 pointwise %.3f ms\n",
           dw_ms, pw_ms, q8_ms, chain_ms, q8_chain_ms);
    return 0;
}
