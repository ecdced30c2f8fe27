/* The MobileNet kernels for NEON: mobilenet_body.h over 4-float vectors. */
#include "gs_kernels.h"

#if defined(GS_HAVE_NEON)
#include <arm_neon.h>

#define GS_MN_SUFFIX(name) name##_neon
#define GS_MN_TARGET
typedef float32x4_t gs_v;
#define GS_VW 4
#define V_LOAD(p) vld1q_f32(p)
#define V_STORE(p, v) vst1q_f32((p), (v))
#define V_SET1(s) vdupq_n_f32(s)
#define V_FMA(a, b, acc) vfmaq_f32((acc), (a), (b))
#define V_FMA_S(a, s, acc) vfmaq_n_f32((acc), (a), (s))
#define V_MAX(v, lo) vmaxnmq_f32((v), (lo)) /* the number where one is NaN, as x86 max gives lo */
#define V_MIN(v, hi) vminq_f32((v), (hi))
#define V_LOAD_EVEN_ODD(p, e, o)                  \
    do {                                          \
        const float32x4x2_t eo_ = vld2q_f32(p);   \
        (e) = eo_.val[0];                         \
        (o) = eo_.val[1];                         \
    } while (0)
/* 16 output channels (four vectors) by 6 pixels: 24 of the 32 registers hold
 * accumulators, 4 the weights. */
#define GS_PW_PT 1
#define GS_PW_PX 6
#define GS_MN_DEPTHWISE 1
#include "../mobilenet_body.h"
#endif
