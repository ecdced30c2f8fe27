#include <math.h>

#include "gs_kernels.h"

void gs_dense_scalar(const float *restrict in, int n_in, const float *restrict weight,
              const float *restrict bias, int n_out, int relu, float *restrict out) {
    for (int o = 0; o < n_out; o++) {
        const float *restrict row = weight + (size_t)o * n_in;
        float acc = 0.0f;
        for (int i = 0; i < n_in; i++) acc += row[i] * in[i];
        acc += bias[o];
        out[o] = relu && acc < 0.0f ? 0.0f : acc;
    }
}

void gs_softmax_scalar(const float *in, int n, float *out) {
    float peak = in[0];
    for (int i = 1; i < n; i++) peak = in[i] > peak ? in[i] : peak;
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        out[i] = expf(in[i] - peak);
        sum += out[i];
    }
    const float scale = (float)(1.0 / sum);
    for (int i = 0; i < n; i++) out[i] *= scale;
}
