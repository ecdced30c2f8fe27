#ifndef GS_KERNELS_H
#define GS_KERNELS_H
/*
 * Compute kernels of genre-stream: the CNN layers and the mel frontend's inner loops.
 *
 * Every kernel takes explicit shapes, never allocates, keeps no state and does
 * no I/O. Tensors are dense row-major float32: feature maps are [C][H][W]
 * (H = mel bands, W = frames). Unless a kernel says otherwise, input and
 * output must not alias (the pointers are `restrict`).
 *
 * Each kernel `gs_X` picks, on every call, the fastest version this CPU runs:
 * `gs_X_avx2` (x86-64 with AVX2 and FMA, checked at run time, so the binary
 * still runs on older x86 CPUs), `gs_X_neon` (aarch64), else `gs_X_scalar`.
 * The scalar versions are the reference the others are tested against; the
 * ISA-specific ones exist only where the target can compile them, which
 * GS_HAVE_AVX2 and GS_HAVE_NEON announce.
 */
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(_M_X64)
#define GS_HAVE_AVX2 1
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
#define GS_HAVE_NEON 1
#endif

/* Which versions the dispatching kernels use on this CPU. */
typedef enum { GS_ISA_SCALAR = 0, GS_ISA_AVX2 = 1, GS_ISA_NEON = 2 } gs_isa;
gs_isa gs_active_isa(void);
/* Whether gs_conv3x3 and gs_maxpool use their AVX-512F versions on this CPU
 * (x86-64 with AVX-512F); the other kernels stay AVX2. */
int gs_uses_avx512(void);

/* ---- 3x3 convolution --------------------------------------------------------
 * out[o][y][x] = bias[o] + sum_{i,dy,dx} weight[o][i][dy][dx] * in[i][y+dy-1][x+dx-1],
 * zero padding 1, stride 1 (PyTorch Conv2d(c_in, c_out, 3, padding=1)); then
 * max(0, .) when relu != 0. in: [c_in][h][w], weight: [c_out][c_in][3][3],
 * out: [c_out][h][w]. `scratch` holds gs_conv3x3_scratch_floats(c_in, h, w)
 * floats (the SIMD versions lay the input out as matrix panels there; the
 * scalar version ignores it and accepts NULL).
 *
 * The dispatching gs_conv3x3 takes the weights as gs_conv3x3_pack leaves them
 * (the same number of floats, in the order the chosen version reads them;
 * pack once, when the model is loaded). The ISA-specific versions take the
 * plain tensor, except gs_conv3x3_avx512 (see gs_conv3x3_pack_avx512). */
size_t gs_conv3x3_scratch_floats(int c_in, int h, int w);
void gs_conv3x3_pack(const float *restrict weight, int c_in, int c_out, float *restrict packed);
void gs_conv3x3(const float *restrict in, int c_in, int h, int w,
                const float *restrict packed_weight, const float *restrict bias,
                int c_out, int relu, float *restrict out, float *restrict scratch);
void gs_conv3x3_scalar(const float *restrict in, int c_in, int h, int w,
                       const float *restrict weight, const float *restrict bias,
                       int c_out, int relu, float *restrict out, float *restrict scratch);

/* ---- pooling ----------------------------------------------------------------
 * Max over non-overlapping kh x kw blocks; remainder rows and columns are
 * dropped (floor mode). in: [c][h][w], out: [c][h/kh][w/kw]. */
void gs_maxpool(const float *restrict in, int c, int h, int w, int kh, int kw, float *restrict out);
void gs_maxpool_scalar(const float *restrict in, int c, int h, int w, int kh, int kw, float *restrict out);

/* out[c] = mean of in[c][.][.]. in: [c][h][w], out: [c]. */
void gs_global_avgpool(const float *restrict in, int c, int h, int w, float *restrict out);
void gs_global_avgpool_scalar(const float *restrict in, int c, int h, int w, float *restrict out);

/* ---- dense and softmax -------------------------------------------------------
 * out = weight . in + bias, then max(0, .) when relu != 0.
 * weight: [n_out][n_in] (PyTorch Linear). */
void gs_dense(const float *restrict in, int n_in, const float *restrict weight,
              const float *restrict bias, int n_out, int relu, float *restrict out);
void gs_dense_scalar(const float *restrict in, int n_in, const float *restrict weight,
                     const float *restrict bias, int n_out, int relu, float *restrict out);

/* Numerically stable softmax of n values. in and out MAY alias (in place). */
void gs_softmax(const float *in, int n, float *out);
void gs_softmax_scalar(const float *in, int n, float *out);

/* ---- samples -------------------------------------------------------------------
 * The per-sample loops ahead of the frontend, here so that they vectorise
 * whatever the caller's language. Scalar only (the compiler vectorises them).
 *
 * out[i] = the i-th signed 16-bit little-endian sample of `bytes` / 32768. */
void gs_s16le_to_float(const void *restrict bytes, size_t n, float *restrict out);

/* 1 if any of x[0..n) is NaN, infinite, beyond +-limit in magnitude, or
 * subnormal (the block needs repair), else 0. */
int gs_any_irregular(const float *x, size_t n, float limit);

/* mono[f] = mean over the channels of frame f of interleaved [frames][channels]. */
void gs_downmix(const float *restrict interleaved, size_t frames, int channels, float *restrict mono);

/* ---- mel frontend -------------------------------------------------------------
 * power[k] = re^2 + im^2 of an interleaved complex spectrum (FFTW's
 * fftwf_complex layout), k < n_bins. */
void gs_power_spectrum(const float *restrict spectrum, int n_bins, float *restrict power);
void gs_power_spectrum_scalar(const float *restrict spectrum, int n_bins, float *restrict power);

/* Sparse mel filterbank: band m has band_len[m] weights starting at FFT bin
 * band_start[m]; its weights are stored consecutively in `weights`, bands in
 * order. mel[m] = sum_j weights[offset_m + j] * power[band_start[m] + j]. */
void gs_mel_apply(const float *restrict power, const int32_t *restrict band_start,
                  const int32_t *restrict band_len, const float *restrict weights,
                  int n_mels, float *restrict mel);
void gs_mel_apply_scalar(const float *restrict power, const int32_t *restrict band_start,
                         const int32_t *restrict band_len, const float *restrict weights,
                         int n_mels, float *restrict mel);

/* out[i] = x[i] * window[i]: a frame's samples times the analysis window. Scalar
 * only (the compiler vectorises it). */
void gs_apply_window(const float *restrict x, const float *restrict window, int n, float *restrict out);

/* Sum of x[i]^2, accumulated in double: a frame's energy for the window level. */
double gs_sum_of_squares(const float *x, int n);

/* db[i] = 10 log10(max(x[i], floor)). x and db MAY alias (in place). Scalar only:
 * 128 values a frame do not repay a vector logarithm. */
void gs_power_to_db(const float *x, int n, float floor, float *db);

/* Prepares one model input: values below max(in) - top_db are raised to it
 * (skipped when top_db <= 0), then out = (v - mean) / (std + eps) with the
 * population standard deviation, accumulated in double for stability. Scalar
 * only: once per window. */
void gs_standardize(const float *restrict in, int n, float top_db, float eps, float *restrict out);

#ifdef GS_HAVE_AVX2
/* AVX-512F, chosen over AVX2 for the convolution and max-pool when the CPU has
 * it; the other kernels are too small to repay wider vectors. The convolution's
 * weights are packed in blocks of output channels, tap-major
 * (gs_conv3x3_pack_avx512). */
void gs_maxpool_avx512(const float *restrict in, int c, int h, int w, int kh, int kw, float *restrict out);
void gs_conv3x3_pack_avx512(const float *restrict weight, int c_in, int c_out, float *restrict packed);
void gs_conv3x3_avx512(const float *restrict in, int c_in, int h, int w,
                       const float *restrict weight, const float *restrict bias,
                       int c_out, int relu, float *restrict out, float *restrict scratch);
void gs_conv3x3_avx2(const float *restrict in, int c_in, int h, int w,
                     const float *restrict weight, const float *restrict bias,
                     int c_out, int relu, float *restrict out, float *restrict scratch);
void gs_maxpool_avx2(const float *restrict in, int c, int h, int w, int kh, int kw, float *restrict out);
void gs_global_avgpool_avx2(const float *restrict in, int c, int h, int w, float *restrict out);
void gs_dense_avx2(const float *restrict in, int n_in, const float *restrict weight,
                   const float *restrict bias, int n_out, int relu, float *restrict out);
void gs_softmax_avx2(const float *in, int n, float *out);
void gs_power_spectrum_avx2(const float *restrict spectrum, int n_bins, float *restrict power);
void gs_mel_apply_avx2(const float *restrict power, const int32_t *restrict band_start,
                       const int32_t *restrict band_len, const float *restrict weights,
                       int n_mels, float *restrict mel);
#endif

#ifdef GS_HAVE_NEON
void gs_conv3x3_neon(const float *restrict in, int c_in, int h, int w,
                     const float *restrict weight, const float *restrict bias,
                     int c_out, int relu, float *restrict out, float *restrict scratch);
void gs_maxpool_neon(const float *restrict in, int c, int h, int w, int kh, int kw, float *restrict out);
void gs_global_avgpool_neon(const float *restrict in, int c, int h, int w, float *restrict out);
void gs_dense_neon(const float *restrict in, int n_in, const float *restrict weight,
                   const float *restrict bias, int n_out, int relu, float *restrict out);
void gs_softmax_neon(const float *in, int n, float *out);
void gs_power_spectrum_neon(const float *restrict spectrum, int n_bins, float *restrict power);
void gs_mel_apply_neon(const float *restrict power, const int32_t *restrict band_start,
                       const int32_t *restrict band_len, const float *restrict weights,
                       int n_mels, float *restrict mel);
#endif

#endif
