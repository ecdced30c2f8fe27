#include "gs_kernels.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>

#define GS_AVX2 __attribute__((target("avx2,fma")))

GS_AVX2 void gs_power_spectrum_avx2(const float *restrict spectrum, int n_bins, float *restrict power) {
    int k = 0;
    for (; k + 8 <= n_bins; k += 8) {
        const __m256 a = _mm256_loadu_ps(spectrum + 2 * k), b = _mm256_loadu_ps(spectrum + 2 * k + 8);
        /* hadd pairs (re^2 + im^2) per 128-bit lane: a0 a1 b0 b1 | a2 a3 b2 b3; reorder. */
        const __m256 h = _mm256_hadd_ps(_mm256_mul_ps(a, a), _mm256_mul_ps(b, b));
        _mm256_storeu_ps(power + k, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(h), _MM_SHUFFLE(3, 1, 2, 0))));
    }
    gs_power_spectrum_scalar(spectrum + 2 * k, n_bins - k, power + k);
}

static inline GS_AVX2 float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

GS_AVX2 void gs_mel_apply_avx2(const float *restrict power, const int32_t *restrict band_start,
                               const int32_t *restrict band_len, const float *restrict weights,
                               int n_mels, float *restrict mel) {
    size_t offset = 0;
    for (int m = 0; m < n_mels; m++) {
        const float *restrict p = power + band_start[m];
        const float *restrict wt = weights + offset;
        const int len = band_len[m];
        __m256 acc = _mm256_setzero_ps();
        int j = 0;
        for (; j + 8 <= len; j += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(wt + j), _mm256_loadu_ps(p + j), acc);
        float sum = horizontal_sum(acc);
        for (; j < len; j++) sum += wt[j] * p[j];
        mel[m] = sum;
        offset += (size_t)len;
    }
}
#endif
