#ifndef GS_MOBILENET_H
#define GS_MOBILENET_H
/* Internal to CKernels: what the MobileNet kernels' versions (scalar/mobilenet.c,
 * x86/mobilenet_*.c, arm/mobilenet_neon.c) share, so that their edges and
 * remainders compute exactly what the scalar reference does. */
#include <stddef.h>

#include "gs_kernels.h"

/* The activation: relu != 0 gives min(max(v, 0), relu_max), NaN mapping to 0
 * as in the convolutions' ReLU (x86 max(v, 0) returns the 0 for a NaN v;
 * NEON uses maxnm, which does the same). */
static inline float gs_pw_act(float v, int relu, float relu_max) {
    if (!relu) return v;
    v = v > 0.0f ? v : 0.0f;
    return v < relu_max ? v : relu_max;
}

/* Columns [j_from, j_to) of output row i of one channel of the depthwise 3x3
 * convolution, accumulated in the output row: the bias, then each tap over
 * the columns whose input lies inside the row (a contiguous range, so the
 * loops need no per-column test), taps row by row, left to right, as in the
 * vector body; then the activation. The scalar kernel, and the SIMD kernels'
 * edge columns and rows narrower than a vector. */
static inline void gs_dw3x3_row(const float *restrict plane, int h, int w, int stride, int pad_top, int pad_left,
                                const float *restrict k9, float bias, int relu, float relu_max, int i, int j_from,
                                int j_to, float *restrict row) {
    for (int j = j_from; j < j_to; j++) row[j] = bias;
    for (int a = 0; a < 3; a++) {
        const int y = i * stride + a - pad_top;
        if (y < 0 || y >= h) continue;
        const float *restrict src = plane + (size_t)y * w;
        for (int b = 0; b < 3; b++) {
            /* x = j * stride + b - pad_left inside [0, w) */
            const int first = pad_left - b <= 0 ? 0 : (pad_left - b + stride - 1) / stride;
            const int last = w - 1 - b + pad_left < 0 ? -1 : (w - 1 - b + pad_left) / stride;
            const int lo = first > j_from ? first : j_from, hi = last + 1 < j_to ? last + 1 : j_to;
            const float k = k9[a * 3 + b];
            for (int j = lo; j < hi; j++) row[j] += k * src[(size_t)j * stride + b - pad_left];
        }
    }
    if (relu)
        for (int j = j_from; j < j_to; j++) row[j] = gs_pw_act(row[j], relu, relu_max);
}

#endif
