#include "gs_kernels.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>

#include "../panels.h"

#define GS_AVX2 __attribute__((target("avx2,fma")))

/* One block of the product: `mr` (<= 6) output channels by one 16-column
 * panel. Twelve accumulators, two panel loads and `mr` weight broadcasts per
 * tap keep both FMA ports busy: the usual 6x16 register blocking for AVX2.
 * Inlined with a constant `mr`, so each remainder size gets its own unrolled copy. */
static inline __attribute__((always_inline)) GS_AVX2 void
block(const int mr, int k_total, const float *restrict weight, const float *restrict panel,
      const float *restrict bias, int relu, float *restrict out, size_t ldc, int n_valid) {
    __m256 acc[6][2];
    for (int r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (int k = 0; k < k_total; k++) {
        const __m256 b0 = _mm256_loadu_ps(panel + (size_t)k * GS_PANEL);
        const __m256 b1 = _mm256_loadu_ps(panel + (size_t)k * GS_PANEL + 8);
        for (int r = 0; r < mr; r++) {
            const __m256 a = _mm256_broadcast_ss(weight + (size_t)r * k_total + k);
            acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
        }
    }
    static const int32_t lane[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const __m256i valid = _mm256_set1_epi32(n_valid);
    const __m256i mask0 = _mm256_cmpgt_epi32(valid, _mm256_loadu_si256((const __m256i *)lane));
    const __m256i mask1 = _mm256_cmpgt_epi32(valid, _mm256_loadu_si256((const __m256i *)(lane + 8)));
    const __m256 zero = _mm256_setzero_ps();
    for (int r = 0; r < mr; r++) {
        const __m256 b = _mm256_broadcast_ss(bias + r);
        __m256 v0 = _mm256_add_ps(acc[r][0], b), v1 = _mm256_add_ps(acc[r][1], b);
        if (relu) {
            v0 = _mm256_max_ps(v0, zero);
            v1 = _mm256_max_ps(v1, zero);
        }
        float *row = out + (size_t)r * ldc;
        if (n_valid == GS_PANEL) {
            _mm256_storeu_ps(row, v0);
            _mm256_storeu_ps(row + 8, v1);
        } else {
            _mm256_maskstore_ps(row, mask0, v0);
            _mm256_maskstore_ps(row + 8, mask1, v1);
        }
    }
}

GS_AVX2 void gs_conv3x3_avx2(const float *restrict in, int c_in, int h, int w,
                             const float *restrict weight, const float *restrict bias,
                             int c_out, int relu, float *restrict out, float *restrict scratch) {
    GS_CONV3X3_BY_PANELS(block, 6, in, c_in, h, w, weight, bias, c_out, relu, out, scratch);
}
#endif
