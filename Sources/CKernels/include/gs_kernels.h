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
/* Whether gs_conv3x3, gs_conv2d, gs_conv2d_maxmin_h, gs_maxpool and
 * gs_pointwise (and _q8) use their AVX-512F versions on this CPU (x86-64 with AVX-512F);
 * the other kernels stay AVX2. */
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

/* ---- direct convolution, any kernel (the model graph's conv2d) ---------------
 * out[o][y][x] = bias[o] + sum_{i,dy,dx} weight[o][i][dy][dx] * xp[i][y+dy][x+dx],
 * stride 1, over an input that gs_pad2d has already zero-padded: xp is c_in
 * planes of hp rows of wp floats (row stride wp, plane stride hp*wp), so
 * h_out = hp - kh + 1 and w_out = wp - kw + 1. No im2col: each tap is a fixed
 * offset into xp (gs_conv_offsets), and the micro-kernels read rows of output
 * positions straight from the padded planes. The buffer must stay readable
 * GS_CONV_OVERREAD floats past c_in*hp*wp (gs_pad2d_floats includes them):
 * the last vector block of a row reads past w_out, and those columns are
 * computed but never stored.
 *
 * Weights are packed once, at load, by gs_conv_pack into
 * gs_conv_packed_floats(c_in, kh, kw, c_out) floats: blocks of GS_CONV_CB
 * output channels, tap-major, packed[b][k][j] = weight[b*GS_CONV_CB + j][k]
 * with k = (i*kh + dy)*kw + dx, zeros past c_out. Every version (scalar, AVX2,
 * AVX-512F, NEON) reads the same packing. */
#define GS_CONV_CB 6
#define GS_CONV_OVERREAD 64
size_t gs_conv_packed_floats(int c_in, int kh, int kw, int c_out);
void gs_conv_pack(const float *restrict weight, int c_in, int kh, int kw, int c_out, float *restrict packed);
/* offsets[k] = i*hp*wp + dy*wp + dx for tap k = (i*kh + dy)*kw + dx; c_in*kh*kw of them. */
void gs_conv_offsets(int c_in, int kh, int kw, int hp, int wp, int32_t *restrict offsets);
/* out: c planes of (h+top+bottom) rows of (w+left+right) floats, the input in the
 * middle and zeros around it, then GS_CONV_OVERREAD zeros. */
size_t gs_pad2d_floats(int c, int h, int w, int top, int bottom, int left, int right);
void gs_pad2d(const float *restrict in, int c, int h, int w, int top, int bottom, int left, int right,
              float *restrict out);

/* Stores conv + bias, then max(0, .) when relu != 0, into out [c_out][h_out][w_out]. */
void gs_conv2d(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
               const int32_t *restrict offsets, const float *restrict packed, const float *restrict bias,
               int c_out, int relu, float *restrict out);
void gs_conv2d_scalar(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                      const int32_t *restrict offsets, const float *restrict packed, const float *restrict bias,
                      int c_out, int relu, float *restrict out);

/* The convolution reduced over its rows without storing its map:
 * out_max[o][x] = max_y (conv + bias)[o][y][x] and out_min[o][x] = min_y of the
 * same, each [c_out][w_out]. A monotone per-channel function of the map (ReLU,
 * then x * scale + shift) commutes with the max where scale >= 0 and turns it
 * into the min where scale < 0, so conv -> ReLU -> affine -> max over H is
 * exactly gs_select_affine of these two (musicnn's front end: 81% of its work,
 * whose 9 MB maps never need to exist). */
void gs_conv2d_maxmin_h(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                        const int32_t *restrict offsets, const float *restrict packed, const float *restrict bias,
                        int c_out, float *restrict out_max, float *restrict out_min);
void gs_conv2d_maxmin_h_scalar(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                               const int32_t *restrict offsets, const float *restrict packed,
                               const float *restrict bias, int c_out, float *restrict out_max,
                               float *restrict out_min);

/* out[c][x] = g(scale[c] < 0 ? mn[c][x] : mx[c][x]) * scale[c] + shift[c], x < n,
 * where g is max(0, .) when relu != 0, else identity. scale and shift NULL:
 * out = g(mx). Scalar only (once per window, c*n values). */
void gs_select_affine(const float *restrict mx, const float *restrict mn, int c, int n, int relu,
                      const float *restrict scale, const float *restrict shift, float *restrict out);

/* ---- element-wise and reductions (the model graph's small ops) ----------------
 * Scalar only: the compiler vectorises them and they are a small share of a window.
 * in: [c][h][w]. x and out MAY alias in gs_relu, gs_affine, gs_sigmoid, gs_add (in place). */
void gs_relu(const float *x, size_t n, float *out);
void gs_affine(const float *x, int c, size_t plane, const float *restrict scale, const float *restrict shift,
               float *out);
void gs_sigmoid(const float *x, size_t n, float *out);
void gs_add(const float *a, const float *b, size_t n, float *out);
/* axis 0: over h, out [c][1][w]; axis 1: over w, out [c][h][1]. kind 0 max, 1 mean. */
void gs_reduce(const float *restrict in, int c, int h, int w, int axis, int kind, float *restrict out);
/* Max over kh x kw blocks every sh, sw (floor mode): out [c][(h-kh)/sh+1][(w-kw)/sw+1].
 * gs_maxpool is the stride = kernel case, with SIMD versions. */
void gs_maxpool_strided(const float *restrict in, int c, int h, int w, int kh, int kw, int sh, int sw,
                        float *restrict out);

/* ---- MobileNet (YAMNet): depthwise and pointwise convolutions -----------------
 * act(v), where a kernel takes relu and relu_max: relu != 0 gives
 * min(max(v, 0), relu_max) (relu_max = INFINITY for a plain ReLU, 6 for ReLU6),
 * a NaN v giving 0 as in the other kernels' ReLU; relu == 0 gives v.
 *
 * Depthwise 3x3 convolution, stride 1 or 2, zero padding. in: [c][h][w],
 * weight: [c][3][3], bias: [c], out: [c][oh][ow]:
 *   out[k][i][j] = act(bias[k] + sum_{a,b<3} weight[k][a][b] * in[k][i*stride + a - pad_top][j*stride + b - pad_left]),
 * in = 0 outside [0,h) x [0,w); the bottom and right padding are whatever oh
 * and ow imply (TensorFlow "same": stride 1 pads 1/1, stride 2 pads 0 before
 * and 1 after an even size). in and out must not alias. */
void gs_depthwise3x3(const float *restrict in, int c, int h, int w, int stride, int pad_top, int pad_left,
                     const float *restrict weight, const float *restrict bias, int relu, float relu_max,
                     float *restrict out, int oh, int ow);
void gs_depthwise3x3_scalar(const float *restrict in, int c, int h, int w, int stride, int pad_top, int pad_left,
                            const float *restrict weight, const float *restrict bias, int relu, float relu_max,
                            float *restrict out, int oh, int ow);

/* Pointwise (1x1) convolution, a matrix product over channels:
 *   out[co][p] = act(bias[co] + sum_ci weight[co][ci] * in[ci][p]),  p < hw,
 * in: [cin][hw], out: [cout][hw]. in and out must not alias.
 * The weights are packed once, at load, by gs_pointwise_pack from the plain
 * [cout][cin] tensor into gs_pointwise_packed_floats(cin, cout) floats: panels
 * of GS_PW_NR output channels, input-channel-major,
 * packed[(b*cin + ci)*GS_PW_NR + j] = weight[b*GS_PW_NR + j][ci], zeros past
 * cout. Every version (scalar, AVX2, AVX-512F, NEON) reads the same packing;
 * the SIMD ones vectorise over output channels (hw is 6 in YAMNet's last
 * layers) and broadcast in[ci][p]. */
#define GS_PW_NR 16
size_t gs_pointwise_packed_floats(int cin, int cout);
void gs_pointwise_pack(const float *restrict weight, int cin, int cout, float *restrict packed);
void gs_pointwise(const float *restrict in, int cin, int hw, const float *restrict packed,
                  const float *restrict bias, int cout, int relu, float relu_max, float *restrict out);
void gs_pointwise_scalar(const float *restrict in, int cin, int hw, const float *restrict packed,
                         const float *restrict bias, int cout, int relu, float relu_max, float *restrict out);

/* The pointwise convolution with int8 weights and a float scale per output
 * channel (a quantized model's exact weights, a quarter of the bytes):
 *   out[co][p] = act(bias[co] + scale[co] * sum_ci q[co][ci] * in[ci][p]),
 * the sum in float, input channels added in order from 0. q is the plain
 * [cout][cin] int8 tensor, packed once by gs_pointwise_q8_pack into
 * gs_pointwise_q8_packed_bytes(cin, cout) bytes, laid out as the float packing
 * above (panels of GS_PW_NR output channels, input-channel-major, zeros past
 * cout). in and out must not alias. */
size_t gs_pointwise_q8_packed_bytes(int cin, int cout);
void gs_pointwise_q8_pack(const int8_t *restrict weight, int cin, int cout, int8_t *restrict packed);
void gs_pointwise_q8(const float *restrict in, int cin, int hw, const int8_t *restrict packed,
                     const float *restrict scale, const float *restrict bias, int cout, int relu, float relu_max,
                     float *restrict out);
void gs_pointwise_q8_scalar(const float *restrict in, int cin, int hw, const int8_t *restrict packed,
                            const float *restrict scale, const float *restrict bias, int cout, int relu,
                            float relu_max, float *restrict out);

/* y[i] = min(max(x[i], lo), hi), i < n; a NaN x gives lo. x and y MAY alias (in place). */
void gs_clamp(const float *x, size_t n, float lo, float hi, float *y);
void gs_clamp_scalar(const float *x, size_t n, float lo, float hi, float *y);

/* out[k][i][j] = in[k][i*sh][j*sw]: a strided convolution computed at stride 1,
 * subsampled. in: [c][h][w], out: [c][(h-1)/sh+1][(w-1)/sw+1]. in and out must
 * not alias. */
void gs_subsample2d(const float *restrict in, int c, int h, int w, int sh, int sw, float *restrict out);
void gs_subsample2d_scalar(const float *restrict in, int c, int h, int w, int sh, int sw, float *restrict out);

#ifdef GS_HAVE_AVX2
/* AVX-512F for the pointwise convolution only; the others stay AVX2. */
void gs_depthwise3x3_avx2(const float *restrict in, int c, int h, int w, int stride, int pad_top, int pad_left,
                          const float *restrict weight, const float *restrict bias, int relu, float relu_max,
                          float *restrict out, int oh, int ow);
void gs_pointwise_avx2(const float *restrict in, int cin, int hw, const float *restrict packed,
                       const float *restrict bias, int cout, int relu, float relu_max, float *restrict out);
void gs_pointwise_q8_avx2(const float *restrict in, int cin, int hw, const int8_t *restrict packed,
                         const float *restrict scale, const float *restrict bias, int cout, int relu,
                         float relu_max, float *restrict out);
void gs_pointwise_avx512(const float *restrict in, int cin, int hw, const float *restrict packed,
                         const float *restrict bias, int cout, int relu, float relu_max, float *restrict out);
void gs_pointwise_q8_avx512(const float *restrict in, int cin, int hw, const int8_t *restrict packed,
                           const float *restrict scale, const float *restrict bias, int cout, int relu,
                           float relu_max, float *restrict out);
void gs_clamp_avx2(const float *x, size_t n, float lo, float hi, float *y);
void gs_subsample2d_avx2(const float *restrict in, int c, int h, int w, int sh, int sw, float *restrict out);
#endif
#ifdef GS_HAVE_NEON
void gs_depthwise3x3_neon(const float *restrict in, int c, int h, int w, int stride, int pad_top, int pad_left,
                          const float *restrict weight, const float *restrict bias, int relu, float relu_max,
                          float *restrict out, int oh, int ow);
void gs_pointwise_neon(const float *restrict in, int cin, int hw, const float *restrict packed,
                       const float *restrict bias, int cout, int relu, float relu_max, float *restrict out);
void gs_pointwise_q8_neon(const float *restrict in, int cin, int hw, const int8_t *restrict packed,
                         const float *restrict scale, const float *restrict bias, int cout, int relu,
                         float relu_max, float *restrict out);
void gs_clamp_neon(const float *x, size_t n, float lo, float hi, float *y);
void gs_subsample2d_neon(const float *restrict in, int c, int h, int w, int sh, int sw, float *restrict out);
#endif

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

/* out[i] = log10(1 + k * x[i]): musicnn's compression of mel power. x and out MAY
 * alias (in place). Scalar only, as gs_power_to_db. */
void gs_log10_1p(const float *x, int n, float k, float *out);

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
void gs_conv2d_avx2(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                    const int32_t *restrict offsets, const float *restrict packed, const float *restrict bias,
                    int c_out, int relu, float *restrict out);
void gs_conv2d_maxmin_h_avx2(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                             const int32_t *restrict offsets, const float *restrict packed,
                             const float *restrict bias, int c_out, float *restrict out_max,
                             float *restrict out_min);
void gs_conv2d_avx512(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                      const int32_t *restrict offsets, const float *restrict packed, const float *restrict bias,
                      int c_out, int relu, float *restrict out);
void gs_conv2d_maxmin_h_avx512(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                               const int32_t *restrict offsets, const float *restrict packed,
                               const float *restrict bias, int c_out, float *restrict out_max,
                               float *restrict out_min);
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
void gs_conv2d_neon(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                    const int32_t *restrict offsets, const float *restrict packed, const float *restrict bias,
                    int c_out, int relu, float *restrict out);
void gs_conv2d_maxmin_h_neon(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                             const int32_t *restrict offsets, const float *restrict packed,
                             const float *restrict bias, int c_out, float *restrict out_max,
                             float *restrict out_min);
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

/* ---- Winograd F(2,7) along W, for kernels 7 wide ----------------------------
 * The same convolution as gs_conv2d / gs_conv2d_maxmin_h with kw = 7, computed
 * on output pairs along W: per input channel and kernel row the pair
 * y[2t..2t+1] = A^T [(G g) . (B^T d)] over the 8 inputs d = xp[i][row][2t..2t+7],
 * 8 multiplies a pair instead of 14 (1.75x less arithmetic). xp as for
 * gs_conv2d (gs_pad2d layout, kw = 7, w_out = wp - 6, h_out = hp - kh + 1, any
 * w_out >= 1: the last pair's second output is dropped when w_out is odd).
 * Rounding differs from the direct sum: within about 2e-5 of the sum of |w x|.
 * Weights packed once by gs_wino27_pack (the kernel transform G g, in double)
 * into gs_wino27_packed_floats floats: blocks of GS_CONV_CB output channels,
 * packed[((b*8 + xi)*c_in*kh + i*kh + dy)*GS_CONV_CB + j]. `scratch` holds
 * gs_wino27_scratch_floats(c_in, hp, wp) floats, overwritten by each call (the
 * input transform B^T d of every row); it must not alias xp or the outputs.
 * Outputs as for gs_conv2d / gs_conv2d_maxmin_h. Every version reads the same
 * packing and scratch layout. */
int gs_wino27_available(void); /* 1 where a SIMD Winograd version runs (x86 AVX2 or AVX-512F); 0 elsewhere, where the direct kernels are faster */
size_t gs_wino27_packed_floats(int c_in, int kh, int c_out);
void gs_wino27_pack(const float *restrict weight /* [c_out][c_in][kh][7] */, int c_in, int kh, int c_out,
                    float *restrict packed);
size_t gs_wino27_scratch_floats(int c_in, int hp, int wp);
void gs_conv2d_wino27(const float *restrict xp, int c_in, int hp, int wp, int kh, const float *restrict packed,
                      const float *restrict bias, int c_out, int relu, float *restrict out, float *restrict scratch);
void gs_conv2d_maxmin_h_wino27(const float *restrict xp, int c_in, int hp, int wp, int kh, const float *restrict packed,
                               const float *restrict bias, int c_out, float *restrict out_max, float *restrict out_min,
                               float *restrict scratch);
void gs_conv2d_wino27_scalar(const float *restrict xp, int c_in, int hp, int wp, int kh,
                             const float *restrict packed, const float *restrict bias, int c_out, int relu,
                             float *restrict out, float *restrict scratch);
void gs_conv2d_maxmin_h_wino27_scalar(const float *restrict xp, int c_in, int hp, int wp, int kh,
                                      const float *restrict packed, const float *restrict bias, int c_out,
                                      float *restrict out_max, float *restrict out_min, float *restrict scratch);
#ifdef GS_HAVE_AVX2
void gs_conv2d_wino27_avx2(const float *restrict xp, int c_in, int hp, int wp, int kh,
                           const float *restrict packed, const float *restrict bias, int c_out, int relu,
                           float *restrict out, float *restrict scratch);
void gs_conv2d_maxmin_h_wino27_avx2(const float *restrict xp, int c_in, int hp, int wp, int kh,
                                    const float *restrict packed, const float *restrict bias, int c_out,
                                    float *restrict out_max, float *restrict out_min, float *restrict scratch);
void gs_conv2d_wino27_avx512(const float *restrict xp, int c_in, int hp, int wp, int kh,
                             const float *restrict packed, const float *restrict bias, int c_out, int relu,
                             float *restrict out, float *restrict scratch);
void gs_conv2d_maxmin_h_wino27_avx512(const float *restrict xp, int c_in, int hp, int wp, int kh,
                                      const float *restrict packed, const float *restrict bias, int c_out,
                                      float *restrict out_max, float *restrict out_min, float *restrict scratch);
#endif

#endif
