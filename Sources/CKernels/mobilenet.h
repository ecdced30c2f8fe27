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

/* One output of the depthwise 3x3 convolution, bounds checked per tap: the
 * scalar kernel, and the SIMD kernels' edge columns and narrow rows. Taps are
 * added row by row, left to right, after the bias, as in the vector bodies. */
static inline float gs_dw3x3_pixel(const float *restrict plane, int h, int w, int stride, int pad_top,
                                   int pad_left, const float *restrict k9, float bias, int i, int j) {
    float acc = bias;
    for (int a = 0; a < 3; a++) {
        const int y = i * stride + a - pad_top;
        if (y < 0 || y >= h) continue;
        for (int b = 0; b < 3; b++) {
            const int x = j * stride + b - pad_left;
            if (x < 0 || x >= w) continue;
            acc += k9[a * 3 + b] * plane[(size_t)y * w + x];
        }
    }
    return acc;
}

#endif
