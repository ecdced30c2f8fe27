#ifndef GS_KERNELS_H
#define GS_KERNELS_H
/*
 * Compute kernels of genre-stream: the CNN layers and the mel frontend's inner loops.
 *
 * Every kernel takes explicit shapes, never allocates, keeps no state and does
 * no I/O. Tensors are dense row-major float32: feature maps are [C][H][W]
 * (H = mel bands, W = frames). Unless a kernel says otherwise, input and
 * output must not alias (the pointers are `restrict`).
 */
#include <stddef.h>
#include <stdint.h>

/* out[o][y][x] = bias[o] + sum_{i,dy,dx} weight[o][i][dy][dx] * in[i][y+dy-1][x+dx-1],
 * zero padding 1, stride 1 (PyTorch Conv2d(c_in, c_out, 3, padding=1)); then
 * max(0, .) when relu != 0. in: [c_in][h][w], weight: [c_out][c_in][3][3],
 * out: [c_out][h][w]. */
void gs_conv3x3(const float *restrict in, int c_in, int h, int w,
                const float *restrict weight, const float *restrict bias,
                int c_out, int relu, float *restrict out);

/* Max over non-overlapping kh x kw blocks; remainder rows and columns are
 * dropped (floor mode). in: [c][h][w], out: [c][h/kh][w/kw]. */
void gs_maxpool(const float *restrict in, int c, int h, int w, int kh, int kw,
                float *restrict out);

/* out[c] = mean of in[c][.][.]. in: [c][h][w], out: [c]. */
void gs_global_avgpool(const float *restrict in, int c, int h, int w,
                       float *restrict out);

/* out = weight . in + bias, then max(0, .) when relu != 0.
 * weight: [n_out][n_in] (PyTorch Linear). */
void gs_dense(const float *restrict in, int n_in, const float *restrict weight,
              const float *restrict bias, int n_out, int relu, float *restrict out);

/* Numerically stable softmax of n values. in and out MAY alias (in place). */
void gs_softmax(const float *in, int n, float *out);

/* power[k] = re^2 + im^2 of an interleaved complex spectrum (FFTW's
 * fftwf_complex layout), k < n_bins. */
void gs_power_spectrum(const float *restrict spectrum, int n_bins,
                       float *restrict power);

/* Sparse mel filterbank: band m has band_len[m] weights starting at FFT bin
 * band_start[m]; its weights are stored consecutively in `weights`, bands in
 * order. mel[m] = sum_j weights[offset_m + j] * power[band_start[m] + j]. */
void gs_mel_apply(const float *restrict power, const int32_t *restrict band_start,
                  const int32_t *restrict band_len, const float *restrict weights,
                  int n_mels, float *restrict mel);

/* db[i] = 10 log10(max(x[i], floor)). x and db MAY alias (in place). */
void gs_power_to_db(const float *x, int n, float floor, float *db);

/* Prepares one model input: values below max(in) - top_db are raised to it
 * (skipped when top_db <= 0), then out = (v - mean) / (std + eps) with the
 * population standard deviation, accumulated in double for stability. */
void gs_standardize(const float *restrict in, int n, float top_db, float eps,
                    float *restrict out);

#endif
