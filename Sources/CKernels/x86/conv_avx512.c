#include "gs_kernels.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>

#include "../panels.h"

#define GS_AVX512 __attribute__((target("avx512f")))

/* The weights of a block of `mr` output channels are packed tap-major,
 * weight[k * mr + r], so the block's broadcasts walk one pointer forward
 * instead of `mr` rows a layer's width apart: one sequential stream for the
 * prefetcher and no address arithmetic in the inner loop. Blocks are the
 * driver's: 16 channels at a time, then 8, 4, 2 and 1. */
void gs_conv3x3_pack_avx512(const float *restrict weight, int c_in, int c_out, float *restrict packed) {
    const size_t k_total = (size_t)c_in * 9;
    int m = 0;
    for (int mr = 16; mr >= 1; mr /= 2)
        for (; m + mr <= c_out; m += mr) /* below 16, at most once each */
            for (size_t k = 0; k < k_total; k++)
                for (int r = 0; r < mr; r++)
                    packed[(size_t)m * k_total + k * mr + r] = weight[(size_t)(m + r) * k_total + k];
}

/* One block of the product: `mr` (<= 16) output channels by one 16-column
 * panel, one 512-bit accumulator per channel. Per tap: one panel load and
 * `mr` broadcast multiply-adds, so with 16 channels the two FMA pipes see 16
 * independent chains, enough to hide the FMA latency, while the loads stay
 * within the two load ports. The tail panel is written with a lane mask. */
static inline __attribute__((always_inline)) GS_AVX512 void
block(const int mr, int k_total, const float *restrict weight, const float *restrict panel,
      const float *restrict bias, int relu, float *restrict out, size_t ldc, int n_valid) {
    __m512 acc[16];
    for (int r = 0; r < mr; r++) acc[r] = _mm512_setzero_ps();
    for (int k = 0; k < k_total; k++) {
        const __m512 b = _mm512_loadu_ps(panel + (size_t)k * GS_PANEL);
        for (int r = 0; r < mr; r++)
            acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(weight[(size_t)k * mr + r]), b, acc[r]);
    }
    const __mmask16 valid = (__mmask16)((1u << n_valid) - 1u);
    const __m512 zero = _mm512_setzero_ps();
    for (int r = 0; r < mr; r++) {
        __m512 v = _mm512_add_ps(acc[r], _mm512_set1_ps(bias[r]));
        if (relu) v = _mm512_max_ps(v, zero);
        _mm512_mask_storeu_ps(out + (size_t)r * ldc, valid, v);
    }
}

/* The shared im2col, compiled for 512-bit copies: one load and one store per panel row. */
static GS_AVX512 void im2col(const float *restrict in, int c_in, int h, int w, float *restrict panels) {
    gs_im2col_panels_inline(in, c_in, h, w, panels);
}

/* `weight` as gs_conv3x3_pack_avx512 leaves it. */
GS_AVX512 void gs_conv3x3_avx512(const float *restrict in, int c_in, int h, int w,
                                 const float *restrict weight, const float *restrict bias,
                                 int c_out, int relu, float *restrict out, float *restrict scratch) {
    GS_CONV3X3_BY_PANELS(im2col, block, 16, in, c_in, h, w, weight, bias, c_out, relu, out, scratch);
}
#endif
