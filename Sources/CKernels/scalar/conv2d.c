#include <string.h>

#include "gs_kernels.h"

/* Columns a scalar block covers at once: the accumulators of one block of
 * GS_CONV_CB channels by CHUNK columns live on the stack (6 KiB), and each
 * tap's multiply-add over them is a contiguous loop the compiler vectorises. */
#define CHUNK 256

static size_t conv_blocks(int c_out) { return (size_t)(c_out + GS_CONV_CB - 1) / GS_CONV_CB; }

size_t gs_conv_packed_floats(int c_in, int kh, int kw, int c_out) {
    return conv_blocks(c_out) * GS_CONV_CB * (size_t)c_in * (size_t)kh * (size_t)kw;
}

void gs_conv_pack(const float *restrict weight, int c_in, int kh, int kw, int c_out, float *restrict packed) {
    const size_t taps = (size_t)c_in * (size_t)kh * (size_t)kw, blocks = conv_blocks(c_out);
    for (size_t b = 0; b < blocks; b++)
        for (size_t k = 0; k < taps; k++)
            for (size_t j = 0; j < GS_CONV_CB; j++) {
                const size_t o = b * GS_CONV_CB + j;
                packed[(b * taps + k) * GS_CONV_CB + j] = o < (size_t)c_out ? weight[o * taps + k] : 0.0f;
            }
}

void gs_conv_offsets(int c_in, int kh, int kw, int hp, int wp, int32_t *restrict offsets) {
    size_t k = 0;
    for (int i = 0; i < c_in; i++)
        for (int dy = 0; dy < kh; dy++)
            for (int dx = 0; dx < kw; dx++) offsets[k++] = (int32_t)(i * hp * wp + dy * wp + dx);
}

size_t gs_pad2d_floats(int c, int h, int w, int top, int bottom, int left, int right) {
    return (size_t)c * (size_t)(h + top + bottom) * (size_t)(w + left + right) + GS_CONV_OVERREAD;
}

void gs_pad2d(const float *restrict in, int c, int h, int w, int top, int bottom, int left, int right,
              float *restrict out) {
    const size_t hp = (size_t)(h + top + bottom), wp = (size_t)(w + left + right);
    memset(out, 0, gs_pad2d_floats(c, h, w, top, bottom, left, right) * sizeof(float));
    for (int i = 0; i < c; i++)
        for (int y = 0; y < h; y++)
            memcpy(out + ((size_t)i * hp + (size_t)(y + top)) * wp + (size_t)left,
                   in + ((size_t)i * h + (size_t)y) * (size_t)w, (size_t)w * sizeof(float));
}

/* acc[j][x] = bias of channel j + sum over taps of the block's weight times
 * xp[offsets[k] + base + x], x < n, taps in order k = 0, 1, ... (the SIMD
 * versions add in the same order, one fused multiply-add a tap). Channels past
 * c_out have zero weights and a zero bias. Reads only the valid columns. */
static void conv_block(const float *restrict xp, size_t taps, const int32_t *restrict offsets,
                       const float *restrict wb, const float *restrict bias, int n_ch, size_t base, int n,
                       float acc[GS_CONV_CB][CHUNK]) {
    for (int j = 0; j < GS_CONV_CB; j++) {
        const float b = j < n_ch ? bias[j] : 0.0f;
        for (int x = 0; x < n; x++) acc[j][x] = b;
    }
    for (size_t k = 0; k < taps; k++) {
        const float *restrict src = xp + base + (size_t)offsets[k];
        const float *restrict wk = wb + k * GS_CONV_CB;
        for (int j = 0; j < GS_CONV_CB; j++) {
            const float wt = wk[j];
            float *restrict a = acc[j];
            for (int x = 0; x < n; x++) a[x] += wt * src[x];
        }
    }
}

void gs_conv2d_scalar(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                      const int32_t *restrict offsets, const float *restrict packed, const float *restrict bias,
                      int c_out, int relu, float *restrict out) {
    const int h_out = hp - kh + 1, w_out = wp - kw + 1;
    const size_t taps = (size_t)c_in * (size_t)kh * (size_t)kw, plane = (size_t)h_out * (size_t)w_out;
    float acc[GS_CONV_CB][CHUNK];
    for (int o0 = 0; o0 < c_out; o0 += GS_CONV_CB) {
        const int n_ch = c_out - o0 < GS_CONV_CB ? c_out - o0 : GS_CONV_CB;
        const float *restrict wb = packed + (size_t)(o0 / GS_CONV_CB) * taps * GS_CONV_CB;
        for (int y = 0; y < h_out; y++)
            for (int x0 = 0; x0 < w_out; x0 += CHUNK) {
                const int n = w_out - x0 < CHUNK ? w_out - x0 : CHUNK;
                conv_block(xp, taps, offsets, wb, bias + o0, n_ch, (size_t)y * wp + x0, n, acc);
                for (int j = 0; j < n_ch; j++) {
                    float *restrict dst = out + (size_t)(o0 + j) * plane + (size_t)y * w_out + x0;
                    for (int x = 0; x < n; x++) dst[x] = relu && !(acc[j][x] > 0.0f) ? 0.0f : acc[j][x];
                }
            }
    }
}

void gs_conv2d_maxmin_h_scalar(const float *restrict xp, int c_in, int hp, int wp, int kh, int kw,
                               const int32_t *restrict offsets, const float *restrict packed,
                               const float *restrict bias, int c_out, float *restrict out_max,
                               float *restrict out_min) {
    const int h_out = hp - kh + 1, w_out = wp - kw + 1;
    const size_t taps = (size_t)c_in * (size_t)kh * (size_t)kw;
    float acc[GS_CONV_CB][CHUNK];
    for (int o0 = 0; o0 < c_out; o0 += GS_CONV_CB) {
        const int n_ch = c_out - o0 < GS_CONV_CB ? c_out - o0 : GS_CONV_CB;
        const float *restrict wb = packed + (size_t)(o0 / GS_CONV_CB) * taps * GS_CONV_CB;
        for (int x0 = 0; x0 < w_out; x0 += CHUNK) {
            const int n = w_out - x0 < CHUNK ? w_out - x0 : CHUNK;
            for (int y = 0; y < h_out; y++) {
                conv_block(xp, taps, offsets, wb, bias + o0, n_ch, (size_t)y * wp + x0, n, acc);
                for (int j = 0; j < n_ch; j++) {
                    float *restrict mx = out_max + (size_t)(o0 + j) * w_out + x0;
                    float *restrict mn = out_min + (size_t)(o0 + j) * w_out + x0;
                    if (y == 0) {
                        memcpy(mx, acc[j], (size_t)n * sizeof(float));
                        memcpy(mn, acc[j], (size_t)n * sizeof(float));
                    } else {
                        for (int x = 0; x < n; x++) {
                            mx[x] = acc[j][x] > mx[x] ? acc[j][x] : mx[x];
                            mn[x] = acc[j][x] < mn[x] ? acc[j][x] : mn[x];
                        }
                    }
                }
            }
        }
    }
}

void gs_select_affine(const float *restrict mx, const float *restrict mn, int c, int n, int relu,
                      const float *restrict scale, const float *restrict shift, float *restrict out) {
    for (int ch = 0; ch < c; ch++) {
        const int neg = scale && scale[ch] < 0.0f;
        const float *restrict src = (neg ? mn : mx) + (size_t)ch * n;
        float *restrict dst = out + (size_t)ch * n;
        for (int x = 0; x < n; x++) {
            float v = relu && !(src[x] > 0.0f) ? 0.0f : src[x];
            if (scale) v = v * scale[ch] + (shift ? shift[ch] : 0.0f);
            dst[x] = v;
        }
    }
}
