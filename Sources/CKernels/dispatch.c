#include <string.h>

#include "gs_kernels.h"

/* The CPU check is a read of a table the runtime fills at start-up
 * (__builtin_cpu_supports), cheap next to any kernel call, so every call
 * checks rather than caching a choice in global state. */
gs_isa gs_active_isa(void) {
#if defined(GS_HAVE_AVX2)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? GS_ISA_AVX2 : GS_ISA_SCALAR;
#elif defined(GS_HAVE_NEON)
    return GS_ISA_NEON;
#else
    return GS_ISA_SCALAR;
#endif
}

int gs_uses_avx512(void) {
#if defined(GS_HAVE_AVX2)
    return gs_active_isa() == GS_ISA_AVX2 && __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

#if defined(GS_HAVE_AVX2)
#define GS_DISPATCH(name, ...)                                                     \
    do {                                                                           \
        if (gs_active_isa() == GS_ISA_AVX2) return name##_avx2(__VA_ARGS__);       \
        return name##_scalar(__VA_ARGS__);                                         \
    } while (0)
#elif defined(GS_HAVE_NEON)
#define GS_DISPATCH(name, ...) return name##_neon(__VA_ARGS__)
#else
#define GS_DISPATCH(name, ...) return name##_scalar(__VA_ARGS__)
#endif

void gs_conv3x3_pack(const float *restrict weight, int c_in, int c_out, float *restrict packed) {
#if defined(GS_HAVE_AVX2)
    if (gs_uses_avx512()) return gs_conv3x3_pack_avx512(weight, c_in, c_out, packed);
#endif
    memcpy(packed, weight, (size_t)c_out * (size_t)c_in * 9 * sizeof(float));
}

void gs_conv3x3(const float *restrict in, int c_in, int h, int w,
                const float *restrict weight, const float *restrict bias,
                int c_out, int relu, float *restrict out, float *restrict scratch) {
#if defined(GS_HAVE_AVX2)
    if (gs_uses_avx512()) return gs_conv3x3_avx512(in, c_in, h, w, weight, bias, c_out, relu, out, scratch);
#endif
    GS_DISPATCH(gs_conv3x3, in, c_in, h, w, weight, bias, c_out, relu, out, scratch);
}

void gs_maxpool(const float *restrict in, int c, int h, int w, int kh, int kw, float *restrict out) {
#if defined(GS_HAVE_AVX2)
    if (gs_uses_avx512()) return gs_maxpool_avx512(in, c, h, w, kh, kw, out);
#endif
    GS_DISPATCH(gs_maxpool, in, c, h, w, kh, kw, out);
}

void gs_global_avgpool(const float *restrict in, int c, int h, int w, float *restrict out) {
    GS_DISPATCH(gs_global_avgpool, in, c, h, w, out);
}

void gs_dense(const float *restrict in, int n_in, const float *restrict weight,
              const float *restrict bias, int n_out, int relu, float *restrict out) {
    GS_DISPATCH(gs_dense, in, n_in, weight, bias, n_out, relu, out);
}

void gs_softmax(const float *in, int n, float *out) {
    GS_DISPATCH(gs_softmax, in, n, out);
}

void gs_power_spectrum(const float *restrict spectrum, int n_bins, float *restrict power) {
    GS_DISPATCH(gs_power_spectrum, spectrum, n_bins, power);
}

void gs_mel_apply(const float *restrict power, const int32_t *restrict band_start,
                  const int32_t *restrict band_len, const float *restrict weights,
                  int n_mels, float *restrict mel) {
    GS_DISPATCH(gs_mel_apply, power, band_start, band_len, weights, n_mels, mel);
}

void gs_conv2d(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
               const int32_t *restrict offsets, const float *restrict packed, const float *restrict bias,
               int c_out, int relu, float *restrict out) {
#if defined(GS_HAVE_AVX2)
    if (gs_uses_avx512()) return gs_conv2d_avx512(xp, c_in, hp, wp, kh, kw, offsets, packed, bias, c_out, relu, out);
#endif
    GS_DISPATCH(gs_conv2d, xp, c_in, hp, wp, kh, kw, offsets, packed, bias, c_out, relu, out);
}

void gs_conv2d_maxmin_h(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                        const int32_t *restrict offsets, const float *restrict packed, const float *restrict bias,
                        int c_out, float *restrict out_max, float *restrict out_min) {
#if defined(GS_HAVE_AVX2)
    if (gs_uses_avx512())
        return gs_conv2d_maxmin_h_avx512(xp, c_in, hp, wp, kh, kw, offsets, packed, bias, c_out, out_max, out_min);
#endif
    GS_DISPATCH(gs_conv2d_maxmin_h, xp, c_in, hp, wp, kh, kw, offsets, packed, bias, c_out, out_max, out_min);
}

int gs_wino27_available(void) {
#if defined(GS_HAVE_AVX2)
    return gs_active_isa() == GS_ISA_AVX2;
#else
    return 0;
#endif
}

void gs_conv2d_wino27(const float *restrict xp, int c_in, int hp, int wp, int kh, const float *restrict packed,
                      const float *restrict bias, int c_out, int relu, float *restrict out, float *restrict scratch) {
#if defined(GS_HAVE_AVX2)
    if (gs_uses_avx512()) return gs_conv2d_wino27_avx512(xp, c_in, hp, wp, kh, packed, bias, c_out, relu, out, scratch);
    if (gs_active_isa() == GS_ISA_AVX2)
        return gs_conv2d_wino27_avx2(xp, c_in, hp, wp, kh, packed, bias, c_out, relu, out, scratch);
#endif
    gs_conv2d_wino27_scalar(xp, c_in, hp, wp, kh, packed, bias, c_out, relu, out, scratch);
}

void gs_conv2d_maxmin_h_wino27(const float *restrict xp, int c_in, int hp, int wp, int kh, const float *restrict packed,
                               const float *restrict bias, int c_out, float *restrict out_max, float *restrict out_min,
                               float *restrict scratch) {
#if defined(GS_HAVE_AVX2)
    if (gs_uses_avx512())
        return gs_conv2d_maxmin_h_wino27_avx512(xp, c_in, hp, wp, kh, packed, bias, c_out, out_max, out_min, scratch);
    if (gs_active_isa() == GS_ISA_AVX2)
        return gs_conv2d_maxmin_h_wino27_avx2(xp, c_in, hp, wp, kh, packed, bias, c_out, out_max, out_min, scratch);
#endif
    gs_conv2d_maxmin_h_wino27_scalar(xp, c_in, hp, wp, kh, packed, bias, c_out, out_max, out_min, scratch);
}

void gs_depthwise3x3(const float *restrict in, int c, int h, int w, int stride, int pad_top, int pad_left,
                     const float *restrict weight, const float *restrict bias, int relu, float relu_max,
                     float *restrict out, int oh, int ow) {
    GS_DISPATCH(gs_depthwise3x3, in, c, h, w, stride, pad_top, pad_left, weight, bias, relu, relu_max, out, oh, ow);
}

void gs_pointwise(const float *restrict in, int cin, int hw, const float *restrict packed,
                  const float *restrict bias, int cout, int relu, float relu_max, float *restrict out) {
#if defined(GS_HAVE_AVX2)
    if (gs_uses_avx512()) return gs_pointwise_avx512(in, cin, hw, packed, bias, cout, relu, relu_max, out);
#endif
    GS_DISPATCH(gs_pointwise, in, cin, hw, packed, bias, cout, relu, relu_max, out);
}

void gs_pointwise_q8(const float *restrict in, int cin, int hw, const int8_t *restrict packed,
                     const float *restrict scale, const float *restrict bias, int cout, int relu, float relu_max,
                     float *restrict out) {
#if defined(GS_HAVE_AVX2)
    if (gs_uses_avx512()) return gs_pointwise_q8_avx512(in, cin, hw, packed, scale, bias, cout, relu, relu_max, out);
#endif
    GS_DISPATCH(gs_pointwise_q8, in, cin, hw, packed, scale, bias, cout, relu, relu_max, out);
}

void gs_clamp(const float *x, size_t n, float lo, float hi, float *y) {
    GS_DISPATCH(gs_clamp, x, n, lo, hi, y);
}

void gs_subsample2d(const float *restrict in, int c, int h, int w, int sh, int sw, float *restrict out) {
    GS_DISPATCH(gs_subsample2d, in, c, h, w, sh, sw, out);
}
