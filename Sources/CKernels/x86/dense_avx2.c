#include "gs_kernels.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>
#include <math.h>

#define GS_AVX2 __attribute__((target("avx2,fma")))

static inline GS_AVX2 float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Four output rows at a time share each load of `in`. */
GS_AVX2 void gs_dense_avx2(const float *restrict in, int n_in, const float *restrict weight,
                           const float *restrict bias, int n_out, int relu, float *restrict out) {
    int o = 0;
    for (; o + 4 <= n_out; o += 4) {
        const float *r0 = weight + (size_t)o * n_in, *r1 = r0 + n_in, *r2 = r1 + n_in, *r3 = r2 + n_in;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 8 <= n_in; i += 8) {
            const __m256 x = _mm256_loadu_ps(in + i);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i), x, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i), x, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i), x, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + i), x, a3);
        }
        float s[4] = {horizontal_sum(a0), horizontal_sum(a1), horizontal_sum(a2), horizontal_sum(a3)};
        for (; i < n_in; i++) {
            s[0] += r0[i] * in[i];
            s[1] += r1[i] * in[i];
            s[2] += r2[i] * in[i];
            s[3] += r3[i] * in[i];
        }
        for (int r = 0; r < 4; r++) {
            const float v = s[r] + bias[o + r];
            out[o + r] = relu && v < 0.0f ? 0.0f : v;
        }
    }
    for (; o < n_out; o++) {
        const float *row = weight + (size_t)o * n_in;
        __m256 acc = _mm256_setzero_ps();
        int i = 0;
        for (; i + 8 <= n_in; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(row + i), _mm256_loadu_ps(in + i), acc);
        float v = horizontal_sum(acc);
        for (; i < n_in; i++) v += row[i] * in[i];
        v += bias[o];
        out[o] = relu && v < 0.0f ? 0.0f : v;
    }
}

/* exp(x) for x <= 0 (softmax subtracts the maximum first): 2^n * p(r) with
 * x = n ln2 + r, |r| <= ln2/2, p a degree-6 polynomial (relative error ~2e-7);
 * below -87 the result underflows to 0 as expf does. */
static inline GS_AVX2 __m256 exp_nonpositive(__m256 x) {
    const __m256 lower = _mm256_set1_ps(-87.0f);
    const __m256 underflow = _mm256_cmp_ps(x, lower, _CMP_LT_OQ);
    x = _mm256_max_ps(x, lower);
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(bits)));
}

GS_AVX2 void gs_softmax_avx2(const float *in, int n, float *out) {
    float peak = in[0];
    for (int i = 1; i < n; i++) peak = in[i] > peak ? in[i] : peak;
    const __m256 vpeak = _mm256_set1_ps(peak);
    __m256 acc = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 e = exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(in + i), vpeak));
        _mm256_storeu_ps(out + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    float sum = horizontal_sum(acc);
    for (; i < n; i++) {
        out[i] = expf(in[i] - peak);
        sum += out[i];
    }
    const float scale = 1.0f / sum;
    for (i = 0; i < n; i++) out[i] *= scale;
}
#endif
