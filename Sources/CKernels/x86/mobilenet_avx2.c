/* The MobileNet kernels for AVX2 + FMA: mobilenet_body.h over 8-float vectors. */
#include "gs_kernels.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>

#define GS_MN_SUFFIX(name) name##_avx2
#define GS_MN_TARGET __attribute__((target("avx2,fma")))
typedef __m256 gs_v;
#define GS_VW 8
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_STORE(p, v) _mm256_storeu_ps((p), (v))
#define V_SET1(s) _mm256_set1_ps(s)
#define V_FMA(a, b, acc) _mm256_fmadd_ps((a), (b), (acc))
#define V_FMA_S(a, s, acc) _mm256_fmadd_ps((a), _mm256_set1_ps(s), (acc))
/* Two vpmovsxbd from memory (8 bytes to 8 int32 each), then to float. */
#define V_I8X8_(p) _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(p))))
#define V_LOAD_I8_PANEL(p, dst)                      \
    do {                                             \
        (dst)[0] = V_I8X8_(p);                       \
        (dst)[1] = V_I8X8_((const int8_t *)(p) + 8); \
    } while (0)
#define V_MAX(v, lo) _mm256_max_ps((v), (lo)) /* the second operand where either is NaN */
#define V_MIN(v, hi) _mm256_min_ps((v), (hi))
/* shuffle_ps picks evens (odds) of both loads per 128-bit lane: lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6;
 * the 64-bit permute puts the pairs in order. */
#define V_LOAD_EVEN_ODD(p, e, o)                                                                             \
    do {                                                                                                     \
        const __m256 lo_ = _mm256_loadu_ps(p), hi_ = _mm256_loadu_ps((p) + 8);                              \
        (e) = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo_, hi_, 0x88)), 0xD8)); \
        (o) = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo_, hi_, 0xDD)), 0xD8)); \
    } while (0)
/* 16 output channels (two vectors) by 6 pixels: 12 accumulators, 2 weight
 * vectors and the broadcast in the 16 registers. */
#define GS_PW_PT 1
#define GS_PW_PX 6
#define GS_MN_DEPTHWISE 1
#include "../mobilenet_body.h"
#endif
