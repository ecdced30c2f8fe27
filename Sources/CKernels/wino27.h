/* Private to the Winograd F(2,7) kernels (scalar/wino27.c, x86/wino27_*.c):
 * the transform constants, the packing and scratch geometry, and the input
 * transform, inlined into each version so it is vectorised for its target.
 *
 * F(2,7) in correlation form over the points 0, 1, -1, 2, -2, 1/2, -1/2 and
 * infinity. With V the 8x8 evaluation matrix of degree-7 polynomials at the
 * seven finite points plus the infinity row (which picks the leading
 * coefficient), Vr the 8x7 one for degree 6 and Vm the 8x2 one for degree 1:
 *   B^T = inverse(V)^T (8x8),  G = Vr (8x7),  A^T = Vm^T (2x8),
 *   y[0..1] = A^T [(G g) . (B^T d)] for a 7-tap kernel g over 8 inputs d,
 * y[m] = sum_c g[c] d[m + c], exactly. The fractions below were computed
 * exactly with sympy (Matrix(...).inv() over Fractions) and are written as
 * exact rationals; G's entries are the powers p^c of the points, so the pack
 * computes them in double rather than tabulating them. */
#ifndef GS_WINO27_H
#define GS_WINO27_H

#include <stddef.h>

/* Components of the transformed tile, taps of the kernel along W. */
#define WINO27_N 8
#define WINO27_R 7

/* A^T, row 0 (output 2t) and row 1 (output 2t + 1): Vm^T, whose columns are
 * (1, p) at the finite points and (0, 1) at infinity. */
static const float wino27_at0[WINO27_N] = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 0.0f};
static const float wino27_at1[WINO27_N] = {0.0f, 1.0f, -1.0f, 2.0f, -2.0f, 0.5f, -0.5f, 1.0f};

/* Tiles (output pairs) of a row, and the row stride of a transformed plane:
 * rounded up to 16 so that every vector read of a tile block stays in its row
 * (the padding tiles are transforms of zeros). */
static inline int wino27_tiles(int wp) { return (wp - WINO27_R + 2) / 2; }
static inline size_t wino27_tp(int wp) { return ((size_t)wino27_tiles(wp) + 15) & ~(size_t)15; }

/* Scratch: V[xi][i][row][t], xi < 8, i < c_in, row < hp, t < tp. */
static inline size_t wino27_vplane(int c_in, int hp, int wp) { return (size_t)c_in * (size_t)hp * wino27_tp(wp); }

#define WINO27_TCH 128

/* B^T d for every tile t < tp of one padded input row x (wp floats), written
 * to v[xi * vstride + t]; inputs past the row (the second output of the last
 * tile when w_out is odd, and the padding tiles) read as zeros. B^T's rows,
 * exactly (with x0..x7 the tile's inputs):
 *   0: x0 - 21/4 x2 + 21/4 x4 - x6
 *   1: E1 + O1,  2: E1 - O1,  E1 = -2/9 x2 + 17/18 x4 - 2/9 x6,  O1 = -2/9 x1 + 17/18 x3 - 2/9 x5
 *   3: E3 + O3,  4: E3 - O3,  E3 = 1/360 x2 - 1/72 x4 + 1/90 x6, O3 = 1/180 x1 - 1/36 x3 + 1/45 x5
 *   5: E5 + O5,  6: E5 - O5,  E5 = 128/45 x2 - 32/9 x4 + 32/45 x6, O5 = 64/45 x1 - 16/9 x3 + 16/45 x5
 *   7: -x1 + 21/4 x3 - 21/4 x5 + x7
 * The even and odd inputs are split first, so each tile's inputs are
 * unit-stride reads and the loop over tiles vectorises. */
static inline __attribute__((always_inline)) void wino27_transform_row(const float *restrict x, int wp, int tp,
                                                                       float *restrict v, size_t vstride) {
    float e[WINO27_TCH + 4], o[WINO27_TCH + 4];
    for (int t0 = 0; t0 < tp; t0 += WINO27_TCH) {
        const int n = tp - t0 < WINO27_TCH ? tp - t0 : WINO27_TCH;
        for (int m = 0; m < n + 3; m++) {
            const int i = 2 * (t0 + m);
            e[m] = i < wp ? x[i] : 0.0f;
            o[m] = i + 1 < wp ? x[i + 1] : 0.0f;
        }
        float *restrict v0 = v + t0, *restrict v1 = v0 + vstride, *restrict v2 = v1 + vstride,
                        *restrict v3 = v2 + vstride, *restrict v4 = v3 + vstride, *restrict v5 = v4 + vstride,
                        *restrict v6 = v5 + vstride, *restrict v7 = v6 + vstride;
        for (int t = 0; t < n; t++) {
            const float x0 = e[t], x1 = o[t], x2 = e[t + 1], x3 = o[t + 1], x4 = e[t + 2], x5 = o[t + 2],
                        x6 = e[t + 3], x7 = o[t + 3];
            v0[t] = (x0 - x6) + (21.0f / 4.0f) * (x4 - x2);
            v7[t] = (x7 - x1) + (21.0f / 4.0f) * (x3 - x5);
            const float e1 = (17.0f / 18.0f) * x4 - (2.0f / 9.0f) * (x2 + x6);
            const float o1 = (17.0f / 18.0f) * x3 - (2.0f / 9.0f) * (x1 + x5);
            v1[t] = e1 + o1;
            v2[t] = e1 - o1;
            const float e3 = (1.0f / 360.0f) * x2 - (1.0f / 72.0f) * x4 + (1.0f / 90.0f) * x6;
            const float o3 = (1.0f / 180.0f) * x1 - (1.0f / 36.0f) * x3 + (1.0f / 45.0f) * x5;
            v3[t] = e3 + o3;
            v4[t] = e3 - o3;
            const float e5 = (128.0f / 45.0f) * x2 - (32.0f / 9.0f) * x4 + (32.0f / 45.0f) * x6;
            const float o5 = (64.0f / 45.0f) * x1 - (16.0f / 9.0f) * x3 + (16.0f / 45.0f) * x5;
            v5[t] = e5 + o5;
            v6[t] = e5 - o5;
        }
    }
}

/* Every row of every input plane into scratch (layout above). */
static inline __attribute__((always_inline)) void wino27_transform(const float *restrict xp, int c_in, int hp, int wp,
                                                                   float *restrict scratch) {
    const int tp = (int)wino27_tp(wp);
    const size_t vplane = wino27_vplane(c_in, hp, wp);
    for (size_t r = 0; r < (size_t)c_in * (size_t)hp; r++)
        wino27_transform_row(xp + r * (size_t)wp, wp, tp, scratch + r * (size_t)tp, vplane);
}

#endif
