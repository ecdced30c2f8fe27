#include "gs_kernels.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>

#include "../pool_block.h"

#define GS_AVX2 __attribute__((target("avx2,fma")))

/* The vertical max over kh rows is plain vector work; the horizontal max is
 * vectorised for the 1- and 2-wide kernels the models use (pairs are split
 * into even and odd lanes with a shuffle), other widths fall back to scalar
 * code for the horizontal step. */
GS_AVX2 void gs_maxpool_avx2(const float *restrict in, int c, int h, int w, int kh, int kw,
                             float *restrict out) {
    const int oh = h / kh, ow = w / kw;
    for (int ch = 0; ch < c; ch++) {
        const float *restrict src = in + (size_t)ch * h * w;
        float *restrict dst = out + (size_t)ch * oh * ow;
        for (int y = 0; y < oh; y++) {
            const float *rows = src + (size_t)y * kh * w;
            float *o = dst + (size_t)y * ow;
            int x = 0;
            if (kw == 2) {
                for (; x + 8 <= ow; x += 8) {
                    __m256 a = _mm256_loadu_ps(rows + 2 * x), b = _mm256_loadu_ps(rows + 2 * x + 8);
                    for (int dy = 1; dy < kh; dy++) {
                        a = _mm256_max_ps(a, _mm256_loadu_ps(rows + (size_t)dy * w + 2 * x));
                        b = _mm256_max_ps(b, _mm256_loadu_ps(rows + (size_t)dy * w + 2 * x + 8));
                    }
                    const __m256 even = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
                    const __m256 odd = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
                    /* Lanes come out as a0 a2 b0 b2 | a4 a6 b4 b6: restore the order. */
                    const __m256 m = _mm256_max_ps(even, odd);
                    _mm256_storeu_ps(o + x, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(m), _MM_SHUFFLE(3, 1, 2, 0))));
                }
            } else if (kw == 1) {
                for (; x + 8 <= ow; x += 8) {
                    __m256 a = _mm256_loadu_ps(rows + x);
                    for (int dy = 1; dy < kh; dy++) a = _mm256_max_ps(a, _mm256_loadu_ps(rows + (size_t)dy * w + x));
                    _mm256_storeu_ps(o + x, a);
                }
            }
            gs_maxpool_row(rows, w, kh, kw, x, ow, o);
        }
    }
}

static inline GS_AVX2 float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

GS_AVX2 void gs_global_avgpool_avx2(const float *restrict in, int c, int h, int w, float *restrict out) {
    const size_t plane = (size_t)h * (size_t)w;
    for (int ch = 0; ch < c; ch++) {
        const float *restrict src = in + (size_t)ch * plane;
        __m256 acc = _mm256_setzero_ps();
        size_t p = 0;
        for (; p + 8 <= plane; p += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(src + p));
        float sum = horizontal_sum(acc);
        for (; p < plane; p++) sum += src[p];
        out[ch] = sum / (float)plane;
    }
}
#endif
