#include <math.h>

#include "gs_kernels.h"

void gs_power_spectrum_scalar(const float *restrict spectrum, int n_bins,
                       float *restrict power) {
    for (int k = 0; k < n_bins; k++) {
        const float re = spectrum[2 * k], im = spectrum[2 * k + 1];
        power[k] = re * re + im * im;
    }
}

void gs_mel_apply_scalar(const float *restrict power, const int32_t *restrict band_start,
                  const int32_t *restrict band_len, const float *restrict weights,
                  int n_mels, float *restrict mel) {
    size_t offset = 0;
    for (int m = 0; m < n_mels; m++) {
        const float *restrict p = power + band_start[m];
        const float *restrict wt = weights + offset;
        float acc = 0.0f;
        for (int j = 0; j < band_len[m]; j++) acc += wt[j] * p[j];
        mel[m] = acc;
        offset += (size_t)band_len[m];
    }
}

void gs_power_to_db(const float *x, int n, float floor, float *db) {
    for (int i = 0; i < n; i++) {
        const float v = x[i] > floor ? x[i] : floor;
        db[i] = 10.0f * log10f(v);
    }
}

/* In double: log1p keeps the precision of 1 + k x where k x is small, and 128
 * values a frame make the cost nothing. */
void gs_log10_1p(const float *x, int n, float k, float *out) {
    for (int i = 0; i < n; i++) out[i] = (float)(log1p((double)k * (double)x[i]) * 0.43429448190325182765);
}

void gs_standardize(const float *restrict in, int n, float top_db, float eps,
                    float *restrict out) {
    float peak = in[0];
    for (int i = 1; i < n; i++) peak = in[i] > peak ? in[i] : peak;
    const float lowest = top_db > 0.0f ? peak - top_db : -INFINITY;
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        out[i] = in[i] > lowest ? in[i] : lowest;
        sum += out[i];
    }
    const double mean = sum / n;
    double squares = 0.0;
    for (int i = 0; i < n; i++) {
        const double d = out[i] - mean;
        squares += d * d;
    }
    const float scale = (float)(1.0 / (sqrt(squares / n) + eps));
    const float m = (float)mean;
    for (int i = 0; i < n; i++) out[i] = (out[i] - m) * scale;
}

void gs_apply_window(const float *restrict x, const float *restrict window, int n, float *restrict out) {
    for (int i = 0; i < n; i++) out[i] = x[i] * window[i];
}

double gs_sum_of_squares(const float *x, int n) {
    /* Four independent sums: one chain would wait on each addition's latency. */
    double s[4] = {0, 0, 0, 0};
    int i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) s[j] += (double)x[i + j] * (double)x[i + j];
    for (; i < n; i++) s[0] += (double)x[i] * (double)x[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}
