#include "gs_kernels.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>

#define GS_AVX512 __attribute__((target("avx512f")))

/* 2x2 max-pool, the blocks every model uses; other sizes go to the AVX2
 * version. The models' rows are short (39, 19, 9 and 4 frames), so the AVX2
 * kernel's 8-wide loop mostly fell through to scalar tails: here one masked
 * pass takes up to 16 outputs of a row, whatever its width. Per 16 outputs:
 * the two input rows' 32 values are reduced vertically, then split into even
 * and odd columns with a two-register permute and reduced again. */
GS_AVX512 void gs_maxpool_avx512(const float *restrict in, int c, int h, int w, int kh, int kw,
                                 float *restrict out) {
    if (kh != 2 || kw != 2) {
        gs_maxpool_avx2(in, c, h, w, kh, kw, out);
        return;
    }
    const int oh = h / 2, ow = w / 2;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (int ch = 0; ch < c; ch++) {
        const float *restrict src = in + (size_t)ch * h * w;
        float *restrict dst = out + (size_t)ch * oh * ow;
        for (int y = 0; y < oh; y++) {
            const float *r0 = src + (size_t)y * 2 * w, *r1 = r0 + w;
            float *o = dst + (size_t)y * ow;
            for (int x = 0; x < ow; x += 16) {
                const int outputs = ow - x < 16 ? ow - x : 16, inputs = 2 * outputs;
                const __mmask16 lo = (__mmask16)(inputs >= 16 ? 0xFFFF : (1u << inputs) - 1u);
                const __mmask16 hi = (__mmask16)(inputs > 16 ? (1u << (inputs - 16)) - 1u : 0);
                const __m512 v0 = _mm512_max_ps(_mm512_maskz_loadu_ps(lo, r0 + 2 * x), _mm512_maskz_loadu_ps(lo, r1 + 2 * x));
                const __m512 v1 = _mm512_max_ps(_mm512_maskz_loadu_ps(hi, r0 + 2 * x + 16),
                                                _mm512_maskz_loadu_ps(hi, r1 + 2 * x + 16));
                const __m512 m = _mm512_max_ps(_mm512_permutex2var_ps(v0, even, v1), _mm512_permutex2var_ps(v0, odd, v1));
                _mm512_mask_storeu_ps(o + x, (__mmask16)((1u << outputs) - 1u), m);
            }
        }
    }
}
#endif
