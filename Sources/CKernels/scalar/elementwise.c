#include <math.h>

#include "gs_kernels.h"

/* NaN maps to 0, as in the convolutions' ReLU (max(0, NaN) with the zero second). */
void gs_relu(const float *x, size_t n, float *out) {
    for (size_t i = 0; i < n; i++) out[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void gs_affine(const float *x, int c, size_t plane, const float *restrict scale, const float *restrict shift,
               float *out) {
    for (int ch = 0; ch < c; ch++) {
        const float s = scale[ch], t = shift[ch];
        const float *src = x + (size_t)ch * plane;
        float *dst = out + (size_t)ch * plane;
        for (size_t p = 0; p < plane; p++) dst[p] = src[p] * s + t;
    }
}

/* exp of a non-positive argument only, so it never overflows: 1 / (1 + e^-x)
 * for x >= 0 and e^x / (1 + e^x) for x < 0. Saturates to exactly 0 and 1 far
 * out; NaN stays NaN. */
void gs_sigmoid(const float *x, size_t n, float *out) {
    for (size_t i = 0; i < n; i++) {
        const float v = x[i];
        const float e = expf(-fabsf(v));
        out[i] = v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    }
}

void gs_add(const float *a, const float *b, size_t n, float *out) {
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/* Max: the first value, then a strict greater-than over the rest. Mean: one
 * float sum per output, adding the values in increasing index order (y = 0,
 * 1, ... for axis 0; x = 0, 1, ... for axis 1), then divided by the count.
 * Axis 0 keeps a running row of w sums, so both axes read memory in order. */
void gs_reduce(const float *restrict in, int c, int h, int w, int axis, int kind, float *restrict out) {
    for (int ch = 0; ch < c; ch++) {
        const float *restrict src = in + (size_t)ch * h * w;
        if (axis == 0) {
            float *restrict dst = out + (size_t)ch * w;
            for (int x = 0; x < w; x++) dst[x] = src[x];
            for (int y = 1; y < h; y++) {
                const float *restrict row = src + (size_t)y * w;
                if (kind == 0)
                    for (int x = 0; x < w; x++) dst[x] = row[x] > dst[x] ? row[x] : dst[x];
                else
                    for (int x = 0; x < w; x++) dst[x] += row[x];
            }
            if (kind != 0)
                for (int x = 0; x < w; x++) dst[x] /= (float)h;
        } else {
            float *restrict dst = out + (size_t)ch * h;
            for (int y = 0; y < h; y++) {
                const float *restrict row = src + (size_t)y * w;
                float acc = row[0];
                if (kind == 0)
                    for (int x = 1; x < w; x++) acc = row[x] > acc ? row[x] : acc;
                else {
                    for (int x = 1; x < w; x++) acc += row[x];
                    acc /= (float)w;
                }
                dst[y] = acc;
            }
        }
    }
}

void gs_maxpool_strided(const float *restrict in, int c, int h, int w, int kh, int kw, int sh, int sw,
                        float *restrict out) {
    const int oh = (h - kh) / sh + 1, ow = (w - kw) / sw + 1;
    for (int ch = 0; ch < c; ch++) {
        const float *restrict src = in + (size_t)ch * h * w;
        float *restrict dst = out + (size_t)ch * oh * ow;
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++) {
                const float *restrict win = src + (size_t)y * sh * w + (size_t)x * sw;
                float m = win[0];
                for (int dy = 0; dy < kh; dy++)
                    for (int dx = 0; dx < kw; dx++) {
                        const float v = win[(size_t)dy * w + dx];
                        m = v > m ? v : m;
                    }
                dst[(size_t)y * ow + x] = m;
            }
    }
}
