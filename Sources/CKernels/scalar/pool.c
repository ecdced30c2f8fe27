#include "gs_kernels.h"
#include "../pool_block.h"

void gs_maxpool_scalar(const float *restrict in, int c, int h, int w, int kh, int kw,
                float *restrict out) {
    const int oh = h / kh, ow = w / kw;
    for (int ch = 0; ch < c; ch++) {
        const float *restrict src = in + (size_t)ch * h * w;
        float *restrict dst = out + (size_t)ch * oh * ow;
        for (int y = 0; y < oh; y++) {
            const float *rows = src + (size_t)y * kh * w;
            gs_maxpool_row(rows, w, kh, kw, 0, ow, dst + (size_t)y * ow);
        }
    }
}

void gs_global_avgpool_scalar(const float *restrict in, int c, int h, int w,
                       float *restrict out) {
    const size_t plane = (size_t)h * (size_t)w;
    for (int ch = 0; ch < c; ch++) {
        const float *restrict src = in + (size_t)ch * plane;
        double sum = 0.0;
        for (size_t p = 0; p < plane; p++) sum += src[p];
        out[ch] = (float)(sum / (double)plane);
    }
}
