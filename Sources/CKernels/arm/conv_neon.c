#include "gs_kernels.h"

#ifdef GS_HAVE_NEON
#include <arm_neon.h>

#include "../panels.h"

/* The same 6x16 blocking as the AVX2 version: 24 of the 32 NEON registers
 * hold accumulators, 4 hold the panel row, and the weight is applied with a
 * by-scalar multiply-add. Inlined with a constant `mr` per remainder size. */
static inline __attribute__((always_inline)) void
block(const int mr, int k_total, const float *restrict weight, const float *restrict panel,
      const float *restrict bias, int relu, float *restrict out, size_t ldc, int n_valid) {
    float32x4_t acc[6][4];
    for (int r = 0; r < mr; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = vdupq_n_f32(0.0f);
    for (int k = 0; k < k_total; k++) {
        const float *b = panel + (size_t)k * GS_PANEL;
        const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
        for (int r = 0; r < mr; r++) {
            const float a = weight[(size_t)r * k_total + k];
            acc[r][0] = vfmaq_n_f32(acc[r][0], b0, a);
            acc[r][1] = vfmaq_n_f32(acc[r][1], b1, a);
            acc[r][2] = vfmaq_n_f32(acc[r][2], b2, a);
            acc[r][3] = vfmaq_n_f32(acc[r][3], b3, a);
        }
    }
    const float32x4_t zero = vdupq_n_f32(0.0f);
    for (int r = 0; r < mr; r++) {
        const float32x4_t bv = vdupq_n_f32(bias[r]);
        float *row = out + (size_t)r * ldc;
        float tail[GS_PANEL];
        float *dst = n_valid == GS_PANEL ? row : tail;
        for (int q = 0; q < 4; q++) {
            float32x4_t v = vaddq_f32(acc[r][q], bv);
            if (relu) v = vmaxq_f32(v, zero);
            vst1q_f32(dst + 4 * q, v);
        }
        if (dst == tail)
            for (int j = 0; j < n_valid; j++) row[j] = tail[j];
    }
}

void gs_conv3x3_neon(const float *restrict in, int c_in, int h, int w,
                     const float *restrict weight, const float *restrict bias,
                     int c_out, int relu, float *restrict out, float *restrict scratch) {
    GS_CONV3X3_BY_PANELS(block, 6, in, c_in, h, w, weight, bias, c_out, relu, out, scratch);
}
#endif
