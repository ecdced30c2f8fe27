#include "gs_kernels.h"

/* Direct convolution, one output channel at a time. The tap loops are outside
 * the row loop so that the innermost loop is a contiguous multiply-add over x
 * that the compiler vectorises; the borders are handled by clipping the x and
 * y ranges instead of branching per sample. */
void gs_conv3x3_scalar(const float *restrict in, int c_in, int h, int w,
                       const float *restrict weight, const float *restrict bias,
                       int c_out, int relu, float *restrict out, float *restrict scratch) {
    (void)scratch;
    const size_t plane = (size_t)h * (size_t)w;
    for (int o = 0; o < c_out; o++) {
        float *restrict dst = out + (size_t)o * plane;
        for (size_t p = 0; p < plane; p++) dst[p] = bias[o];
        for (int i = 0; i < c_in; i++) {
            const float *restrict src = in + (size_t)i * plane;
            const float *restrict k = weight + ((size_t)o * c_in + i) * 9;
            for (int dy = 0; dy < 3; dy++) {
                int y0 = dy == 0 ? 1 : 0;
                int y1 = dy == 2 ? h - 1 : h;
                for (int dx = 0; dx < 3; dx++) {
                    int x0 = dx == 0 ? 1 : 0;
                    int x1 = dx == 2 ? w - 1 : w;
                    float tap = k[dy * 3 + dx];
                    for (int y = y0; y < y1; y++) {
                        float *restrict d = dst + (size_t)y * w;
                        const float *restrict s = src + (size_t)(y + dy - 1) * w + (dx - 1);
                        for (int x = x0; x < x1; x++) d[x] += tap * s[x];
                    }
                }
            }
        }
        if (relu) {
            for (size_t p = 0; p < plane; p++) dst[p] = dst[p] > 0.0f ? dst[p] : 0.0f;
        }
    }
}
