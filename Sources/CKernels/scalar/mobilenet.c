#include <string.h>

#include "gs_kernels.h"
#include "../mobilenet.h"

void gs_depthwise3x3_scalar(const float *restrict in, int c, int h, int w, int stride, int pad_top, int pad_left,
                            const float *restrict weight, const float *restrict bias, int relu, float relu_max,
                            float *restrict out, int oh, int ow) {
    for (int k = 0; k < c; k++) {
        const float *restrict plane = in + (size_t)k * h * w;
        float *restrict dst = out + (size_t)k * oh * ow;
        for (int i = 0; i < oh; i++)
            gs_dw3x3_row(plane, h, w, stride, pad_top, pad_left, weight + (size_t)k * 9, bias[k], relu, relu_max, i,
                         0, ow, dst + (size_t)i * ow);
    }
}

static size_t pw_panels(int cout) { return (size_t)(cout + GS_PW_NR - 1) / GS_PW_NR; }

size_t gs_pointwise_packed_floats(int cin, int cout) { return pw_panels(cout) * GS_PW_NR * (size_t)cin; }

void gs_pointwise_pack(const float *restrict weight, int cin, int cout, float *restrict packed) {
    for (size_t b = 0; b < pw_panels(cout); b++)
        for (size_t ci = 0; ci < (size_t)cin; ci++)
            for (size_t j = 0; j < GS_PW_NR; j++) {
                const size_t co = b * GS_PW_NR + j;
                packed[(b * cin + ci) * GS_PW_NR + j] = co < (size_t)cout ? weight[co * cin + ci] : 0.0f;
            }
}

/* Pixels a scalar block covers at once: a panel's accumulators for CHUNK
 * pixels live on the stack (4 KiB), and each input channel's multiply-add over
 * them is a contiguous loop the compiler vectorises. Input channels are added
 * in order 0, 1, ... after the bias, as in the SIMD versions. */
#define CHUNK 64

void gs_pointwise_scalar(const float *restrict in, int cin, int hw, const float *restrict packed,
                         const float *restrict bias, int cout, int relu, float relu_max, float *restrict out) {
    float acc[GS_PW_NR][CHUNK];
    for (int c0 = 0; c0 < cout; c0 += GS_PW_NR) {
        const int n_ch = cout - c0 < GS_PW_NR ? cout - c0 : GS_PW_NR;
        const float *restrict panel = packed + (size_t)(c0 / GS_PW_NR) * cin * GS_PW_NR;
        for (int p0 = 0; p0 < hw; p0 += CHUNK) {
            const int n = hw - p0 < CHUNK ? hw - p0 : CHUNK;
            for (int j = 0; j < GS_PW_NR; j++)
                for (int p = 0; p < n; p++) acc[j][p] = j < n_ch ? bias[c0 + j] : 0.0f;
            for (int ci = 0; ci < cin; ci++) {
                const float *restrict x = in + (size_t)ci * hw + p0;
                const float *restrict wk = panel + (size_t)ci * GS_PW_NR;
                for (int j = 0; j < GS_PW_NR; j++) {
                    const float wt = wk[j];
                    for (int p = 0; p < n; p++) acc[j][p] += wt * x[p];
                }
            }
            for (int j = 0; j < n_ch; j++) {
                float *restrict dst = out + (size_t)(c0 + j) * hw + p0;
                for (int p = 0; p < n; p++) dst[p] = gs_pw_act(acc[j][p], relu, relu_max);
            }
        }
    }
}

size_t gs_pointwise_q8_packed_bytes(int cin, int cout) { return pw_panels(cout) * GS_PW_NR * (size_t)cin; }

void gs_pointwise_q8_pack(const int8_t *restrict weight, int cin, int cout, int8_t *restrict packed) {
    for (size_t b = 0; b < pw_panels(cout); b++)
        for (size_t ci = 0; ci < (size_t)cin; ci++)
            for (size_t j = 0; j < GS_PW_NR; j++) {
                const size_t co = b * GS_PW_NR + j;
                packed[(b * cin + ci) * GS_PW_NR + j] = co < (size_t)cout ? weight[co * cin + ci] : 0;
            }
}

/* As gs_pointwise_scalar, the sums starting at 0 and scaled at the end. */
void gs_pointwise_q8_scalar(const float *restrict in, int cin, int hw, const int8_t *restrict packed,
                            const float *restrict scale, const float *restrict bias, int cout, int relu,
                            float relu_max, float *restrict out) {
    float acc[GS_PW_NR][CHUNK];
    for (int c0 = 0; c0 < cout; c0 += GS_PW_NR) {
        const int n_ch = cout - c0 < GS_PW_NR ? cout - c0 : GS_PW_NR;
        const int8_t *restrict panel = packed + (size_t)(c0 / GS_PW_NR) * cin * GS_PW_NR;
        for (int p0 = 0; p0 < hw; p0 += CHUNK) {
            const int n = hw - p0 < CHUNK ? hw - p0 : CHUNK;
            for (int j = 0; j < GS_PW_NR; j++)
                for (int p = 0; p < n; p++) acc[j][p] = 0.0f;
            for (int ci = 0; ci < cin; ci++) {
                const float *restrict x = in + (size_t)ci * hw + p0;
                const int8_t *restrict wk = panel + (size_t)ci * GS_PW_NR;
                for (int j = 0; j < GS_PW_NR; j++) {
                    const float wt = (float)wk[j];
                    for (int p = 0; p < n; p++) acc[j][p] += wt * x[p];
                }
            }
            for (int j = 0; j < n_ch; j++) {
                float *restrict dst = out + (size_t)(c0 + j) * hw + p0;
                const float b = bias[c0 + j], s = scale[c0 + j];
                for (int p = 0; p < n; p++) dst[p] = gs_pw_act(b + s * acc[j][p], relu, relu_max);
            }
        }
    }
}

void gs_clamp_scalar(const float *x, size_t n, float lo, float hi, float *y) {
    for (size_t i = 0; i < n; i++) {
        const float v = x[i] > lo ? x[i] : lo;
        y[i] = v < hi ? v : hi;
    }
}

void gs_subsample2d_scalar(const float *restrict in, int c, int h, int w, int sh, int sw, float *restrict out) {
    const int oh = (h - 1) / sh + 1, ow = (w - 1) / sw + 1;
    for (int k = 0; k < c; k++)
        for (int i = 0; i < oh; i++) {
            const float *restrict src = in + ((size_t)k * h + (size_t)i * sh) * w;
            float *restrict dst = out + ((size_t)k * oh + i) * ow;
            if (sw == 1) memcpy(dst, src, (size_t)ow * sizeof(float));
            else
                for (int j = 0; j < ow; j++) dst[j] = src[(size_t)j * sw];
        }
}
