#include "gs_kernels.h"

#ifdef GS_HAVE_NEON
#include <arm_neon.h>
#include <math.h>

#include "../pool_block.h"

void gs_maxpool_neon(const float *restrict in, int c, int h, int w, int kh, int kw, float *restrict out) {
    const int oh = h / kh, ow = w / kw;
    for (int ch = 0; ch < c; ch++) {
        const float *restrict src = in + (size_t)ch * h * w;
        float *restrict dst = out + (size_t)ch * oh * ow;
        for (int y = 0; y < oh; y++) {
            const float *rows = src + (size_t)y * kh * w;
            float *o = dst + (size_t)y * ow;
            int x = 0;
            if (kw == 2) {
                /* vld2 splits even and odd columns: the pair max is one vmax. */
                for (; x + 4 <= ow; x += 4) {
                    float32x4x2_t v = vld2q_f32(rows + 2 * x);
                    float32x4_t m = vmaxq_f32(v.val[0], v.val[1]);
                    for (int dy = 1; dy < kh; dy++) {
                        v = vld2q_f32(rows + (size_t)dy * w + 2 * x);
                        m = vmaxq_f32(m, vmaxq_f32(v.val[0], v.val[1]));
                    }
                    vst1q_f32(o + x, m);
                }
            } else if (kw == 1) {
                for (; x + 4 <= ow; x += 4) {
                    float32x4_t m = vld1q_f32(rows + x);
                    for (int dy = 1; dy < kh; dy++) m = vmaxq_f32(m, vld1q_f32(rows + (size_t)dy * w + x));
                    vst1q_f32(o + x, m);
                }
            }
            gs_maxpool_row(rows, w, kh, kw, x, ow, o);
        }
    }
}

void gs_global_avgpool_neon(const float *restrict in, int c, int h, int w, float *restrict out) {
    const size_t plane = (size_t)h * (size_t)w;
    for (int ch = 0; ch < c; ch++) {
        const float *restrict src = in + (size_t)ch * plane;
        float32x4_t acc = vdupq_n_f32(0.0f);
        size_t p = 0;
        for (; p + 4 <= plane; p += 4) acc = vaddq_f32(acc, vld1q_f32(src + p));
        float sum = vaddvq_f32(acc);
        for (; p < plane; p++) sum += src[p];
        out[ch] = sum / (float)plane;
    }
}

void gs_dense_neon(const float *restrict in, int n_in, const float *restrict weight,
                   const float *restrict bias, int n_out, int relu, float *restrict out) {
    for (int o = 0; o < n_out; o++) {
        const float *row = weight + (size_t)o * n_in;
        float32x4_t acc = vdupq_n_f32(0.0f);
        int i = 0;
        for (; i + 4 <= n_in; i += 4) acc = vfmaq_f32(acc, vld1q_f32(row + i), vld1q_f32(in + i));
        float v = vaddvq_f32(acc);
        for (; i < n_in; i++) v += row[i] * in[i];
        v += bias[o];
        out[o] = relu && v < 0.0f ? 0.0f : v;
    }
}

/* exp(x) for x <= 0, as in the AVX2 version: 2^n * p(r), |r| <= ln2/2. */
static inline float32x4_t exp_nonpositive(float32x4_t x) {
    const float32x4_t lower = vdupq_n_f32(-87.0f);
    const uint32x4_t underflow = vcltq_f32(x, lower);
    x = vmaxq_f32(x, lower);
    const float32x4_t n = vrndnq_f32(vmulq_n_f32(x, 1.44269504088896341f));
    float32x4_t r = vfmsq_n_f32(x, n, 0.693359375f);
    r = vfmsq_n_f32(r, n, -2.12194440e-4f);
    float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
    p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
    p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
    p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
    const int32x4_t bits = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
    const float32x4_t e = vmulq_f32(p, vreinterpretq_f32_s32(bits));
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(e), underflow));
}

void gs_softmax_neon(const float *in, int n, float *out) {
    float peak = in[0];
    for (int i = 1; i < n; i++) peak = in[i] > peak ? in[i] : peak;
    const float32x4_t vpeak = vdupq_n_f32(peak);
    float32x4_t acc = vdupq_n_f32(0.0f);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t e = exp_nonpositive(vsubq_f32(vld1q_f32(in + i), vpeak));
        vst1q_f32(out + i, e);
        acc = vaddq_f32(acc, e);
    }
    float sum = vaddvq_f32(acc);
    for (; i < n; i++) {
        out[i] = expf(in[i] - peak);
        sum += out[i];
    }
    const float scale = 1.0f / sum;
    for (i = 0; i < n; i++) out[i] *= scale;
}

void gs_power_spectrum_neon(const float *restrict spectrum, int n_bins, float *restrict power) {
    int k = 0;
    for (; k + 4 <= n_bins; k += 4) {
        const float32x4x2_t v = vld2q_f32(spectrum + 2 * k);  /* re lanes, im lanes */
        vst1q_f32(power + k, vfmaq_f32(vmulq_f32(v.val[0], v.val[0]), v.val[1], v.val[1]));
    }
    gs_power_spectrum_scalar(spectrum + 2 * k, n_bins - k, power + k);
}

void gs_mel_apply_neon(const float *restrict power, const int32_t *restrict band_start,
                       const int32_t *restrict band_len, const float *restrict weights,
                       int n_mels, float *restrict mel) {
    size_t offset = 0;
    for (int m = 0; m < n_mels; m++) {
        const float *restrict p = power + band_start[m];
        const float *restrict wt = weights + offset;
        const int len = band_len[m];
        float32x4_t acc = vdupq_n_f32(0.0f);
        int j = 0;
        for (; j + 4 <= len; j += 4) acc = vfmaq_f32(acc, vld1q_f32(wt + j), vld1q_f32(p + j));
        float sum = vaddvq_f32(acc);
        for (; j < len; j++) sum += wt[j] * p[j];
        mel[m] = sum;
        offset += (size_t)len;
    }
}
#endif
