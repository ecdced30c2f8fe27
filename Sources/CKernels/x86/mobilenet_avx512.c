/* The pointwise convolutions (f32 and q8) for AVX-512F: mobilenet_body.h over 16-float vectors
 * (the depthwise kernel and the small ops stay AVX2: they are a few percent of
 * YAMNet's work and their rows are 3 to 48 wide). */
#include "gs_kernels.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>

#define GS_MN_SUFFIX(name) name##_avx512
#define GS_MN_TARGET __attribute__((target("avx512f")))
typedef __m512 gs_v;
#define GS_VW 16
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_STORE(p, v) _mm512_storeu_ps((p), (v))
#define V_SET1(s) _mm512_set1_ps(s)
#define V_FMA(a, b, acc) _mm512_fmadd_ps((a), (b), (acc))
/* The broadcast becomes the FMA's embedded {1to16} memory operand. */
#define V_FMA_S(a, s, acc) _mm512_fmadd_ps((a), _mm512_set1_ps(s), (acc))
#define V_LOAD_I8_PANEL(p, dst) \
    ((dst)[0] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(p)))))
#define V_MAX(v, lo) _mm512_max_ps((v), (lo)) /* the second operand where either is NaN */
#define V_MIN(v, hi) _mm512_min_ps((v), (hi))
/* 32 output channels (two panels, two vectors) by 12 pixels: 24 of the 32
 * registers hold accumulators. */
#define GS_PW_PT 2
#define GS_PW_PX 12
#include "../mobilenet_body.h"
#endif
