#include <string.h>

#include "gs_kernels.h"
#include "../wino27.h"

/* Tiles a scalar block covers at once (accumulators on the stack). */
#define WCHUNK 64

static size_t wino_blocks(int c_out) { return (size_t)(c_out + GS_CONV_CB - 1) / GS_CONV_CB; }


size_t gs_wino27_packed_floats(int c_in, int kh, int c_out) {
    return wino_blocks(c_out) * WINO27_N * (size_t)c_in * (size_t)kh * GS_CONV_CB;
}

/* packed[((b * 8 + xi) * taps + k) * 6 + j] = (G g)[xi] for output channel
 * b*6 + j and tap k = i*kh + dy, g its 7 weights along W; zeros past c_out.
 * G's row for point p is (1, p, ..., p^6), for infinity (0, ..., 0, 1),
 * summed in double and rounded once. */
void gs_wino27_pack(const float *restrict weight, int c_in, int kh, int c_out, float *restrict packed) {
    static const double pts[WINO27_N - 1] = {0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5};
    const size_t taps = (size_t)c_in * (size_t)kh, blocks = wino_blocks(c_out);
    for (size_t b = 0; b < blocks; b++)
        for (int xi = 0; xi < WINO27_N; xi++)
            for (size_t k = 0; k < taps; k++)
                for (size_t j = 0; j < GS_CONV_CB; j++) {
                    const size_t o = b * GS_CONV_CB + j;
                    double u = 0.0;
                    if (o < (size_t)c_out) {
                        const float *g = weight + (o * taps + k) * WINO27_R;
                        if (xi == WINO27_N - 1) {
                            u = g[WINO27_R - 1];
                        } else {
                            double p = 1.0;
                            for (int c = 0; c < WINO27_R; c++, p *= pts[xi]) u += p * (double)g[c];
                        }
                    }
                    packed[((b * WINO27_N + (size_t)xi) * taps + k) * GS_CONV_CB + j] = (float)u;
                }
}

size_t gs_wino27_scratch_floats(int c_in, int hp, int wp) { return WINO27_N * wino27_vplane(c_in, hp, wp); }

/* y0/y1[j][t] = bias + A^T M over the 8 components, M_xi[j][t] = sum over
 * taps of U_xi[j][k] * V_xi[k's row][t0 + t], t < n. */
static void wino_block(const float *restrict v, size_t vplane, int c_in, int kh, size_t plane, size_t tp,
                       const float *restrict wb, size_t taps, const float *restrict bias, int n_ch, int n,
                       float y0[GS_CONV_CB][WCHUNK], float y1[GS_CONV_CB][WCHUNK]) {
    float m[GS_CONV_CB][WCHUNK];
    for (int j = 0; j < GS_CONV_CB; j++) {
        const float b = j < n_ch ? bias[j] : 0.0f;
        for (int t = 0; t < n; t++) y0[j][t] = y1[j][t] = b;
    }
    for (int xi = 0; xi < WINO27_N; xi++) {
        const float *restrict wk = wb + (size_t)xi * taps * GS_CONV_CB;
        memset(m, 0, sizeof m);
        for (int i = 0; i < c_in; i++)
            for (int dy = 0; dy < kh; dy++, wk += GS_CONV_CB) {
                const float *restrict src = v + (size_t)xi * vplane + (size_t)i * plane + (size_t)dy * tp;
                for (int j = 0; j < GS_CONV_CB; j++) {
                    const float w = wk[j];
                    for (int t = 0; t < n; t++) m[j][t] += w * src[t];
                }
            }
        const float a0 = wino27_at0[xi], a1 = wino27_at1[xi];
        for (int j = 0; j < GS_CONV_CB; j++)
            for (int t = 0; t < n; t++) {
                y0[j][t] += a0 * m[j][t];
                y1[j][t] += a1 * m[j][t];
            }
    }
}

void gs_conv2d_wino27_scalar(const float *restrict xp, int c_in, int hp, int wp, int kh,
                             const float *restrict packed, const float *restrict bias, int c_out, int relu,
                             float *restrict out, float *restrict scratch) {
    const int h_out = hp - kh + 1, w_out = wp - WINO27_R + 1, tiles = wino27_tiles(wp);
    const size_t tp = wino27_tp(wp), plane = (size_t)hp * tp, vplane = wino27_vplane(c_in, hp, wp);
    const size_t taps = (size_t)c_in * (size_t)kh, oplane = (size_t)h_out * (size_t)w_out;
    float y0[GS_CONV_CB][WCHUNK], y1[GS_CONV_CB][WCHUNK];
    wino27_transform(xp, c_in, hp, wp, scratch);
    for (int o0 = 0; o0 < c_out; o0 += GS_CONV_CB) {
        const int n_ch = c_out - o0 < GS_CONV_CB ? c_out - o0 : GS_CONV_CB;
        const float *restrict wb = packed + (size_t)(o0 / GS_CONV_CB) * WINO27_N * taps * GS_CONV_CB;
        for (int y = 0; y < h_out; y++)
            for (int t0 = 0; t0 < tiles; t0 += WCHUNK) {
                const int n = tiles - t0 < WCHUNK ? tiles - t0 : WCHUNK;
                wino_block(scratch + (size_t)y * tp + t0, vplane, c_in, kh, plane, tp, wb, taps, bias + o0, n_ch, n,
                           y0, y1);
                for (int j = 0; j < n_ch; j++) {
                    float *restrict dst = out + (size_t)(o0 + j) * oplane + (size_t)y * w_out;
                    for (int t = 0; t < n; t++) {
                        const int x = 2 * (t0 + t);
                        dst[x] = relu && !(y0[j][t] > 0.0f) ? 0.0f : y0[j][t];
                        if (x + 1 < w_out) dst[x + 1] = relu && !(y1[j][t] > 0.0f) ? 0.0f : y1[j][t];
                    }
                }
            }
    }
}

void gs_conv2d_maxmin_h_wino27_scalar(const float *restrict xp, int c_in, int hp, int wp, int kh,
                                      const float *restrict packed, const float *restrict bias, int c_out,
                                      float *restrict out_max, float *restrict out_min, float *restrict scratch) {
    const int h_out = hp - kh + 1, w_out = wp - WINO27_R + 1, tiles = wino27_tiles(wp);
    const size_t tp = wino27_tp(wp), plane = (size_t)hp * tp, vplane = wino27_vplane(c_in, hp, wp);
    const size_t taps = (size_t)c_in * (size_t)kh;
    float y0[GS_CONV_CB][WCHUNK], y1[GS_CONV_CB][WCHUNK];
    float mx0[GS_CONV_CB][WCHUNK], mx1[GS_CONV_CB][WCHUNK], mn0[GS_CONV_CB][WCHUNK], mn1[GS_CONV_CB][WCHUNK];
    wino27_transform(xp, c_in, hp, wp, scratch);
    for (int o0 = 0; o0 < c_out; o0 += GS_CONV_CB) {
        const int n_ch = c_out - o0 < GS_CONV_CB ? c_out - o0 : GS_CONV_CB;
        const float *restrict wb = packed + (size_t)(o0 / GS_CONV_CB) * WINO27_N * taps * GS_CONV_CB;
        for (int t0 = 0; t0 < tiles; t0 += WCHUNK) {
            const int n = tiles - t0 < WCHUNK ? tiles - t0 : WCHUNK;
            for (int y = 0; y < h_out; y++) {
                wino_block(scratch + (size_t)y * tp + t0, vplane, c_in, kh, plane, tp, wb, taps, bias + o0, n_ch, n,
                           y0, y1);
                for (int j = 0; j < n_ch; j++)
                    for (int t = 0; t < n; t++) {
                        if (y == 0) {
                            mx0[j][t] = mn0[j][t] = y0[j][t];
                            mx1[j][t] = mn1[j][t] = y1[j][t];
                        } else {
                            mx0[j][t] = y0[j][t] > mx0[j][t] ? y0[j][t] : mx0[j][t];
                            mn0[j][t] = y0[j][t] < mn0[j][t] ? y0[j][t] : mn0[j][t];
                            mx1[j][t] = y1[j][t] > mx1[j][t] ? y1[j][t] : mx1[j][t];
                            mn1[j][t] = y1[j][t] < mn1[j][t] ? y1[j][t] : mn1[j][t];
                        }
                    }
            }
            for (int j = 0; j < n_ch; j++) {
                float *restrict dmx = out_max + (size_t)(o0 + j) * w_out, *restrict dmn = out_min + (size_t)(o0 + j) * w_out;
                for (int t = 0; t < n; t++) {
                    const int x = 2 * (t0 + t);
                    dmx[x] = mx0[j][t];
                    dmn[x] = mn0[j][t];
                    if (x + 1 < w_out) {
                        dmx[x + 1] = mx1[j][t];
                        dmn[x + 1] = mn1[j][t];
                    }
                }
            }
        }
    }
}
