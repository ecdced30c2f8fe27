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
/* 16 bytes widened twice: int8 -> int16 -> int32, then to float. */
#define V_LOAD_I8_PANEL(p, dst)                                         \
    do {                                                                \
        const int8x16_t b_ = vld1q_s8((const int8_t *)(p));             \
        const int16x8_t lo_ = vmovl_s8(vget_low_s8(b_)), hi_ = vmovl_high_s8(b_); \
        (dst)[0] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo_)));         \
        (dst)[1] = vcvtq_f32_s32(vmovl_high_s16(lo_));                  \
        (dst)[2] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi_)));         \
        (dst)[3] = vcvtq_f32_s32(vmovl_high_s16(hi_));                  \
    } while (0)
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
