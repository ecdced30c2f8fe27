#ifndef GS_PANELS_H
#define GS_PANELS_H
/* Internal to CKernels: the matrix layout the SIMD convolutions multiply.
 *
 * A 3x3 convolution is a matrix product out[c_out][N] = W[c_out][K] . B[K][N]
 * with K = c_in * 9 (the taps, in the weight tensor's order) and N = h * w
 * (the output pixels). B is stored in panels of GS_PANEL columns: panel p holds
 * columns 16p ... 16p+15 as K consecutive rows of 16 floats, so the
 * micro-kernel streams through memory in order. Columns past N are zero. */
#include <stddef.h>
#include <string.h>

#define GS_PANEL 16

/* Before a loop of scattered stores: vectorised, clang makes them scatter
 * instructions, which are microcoded and slow on AMD cores. */
#if defined(__clang__)
#define GS_SCALAR_LOOP _Pragma("clang loop vectorize(disable)")
#else
#define GS_SCALAR_LOOP
#endif

static inline size_t gs_panel_count(int h, int w) {
    return ((size_t)h * (size_t)w + GS_PANEL - 1) / GS_PANEL;
}

/* Fills `panels` (gs_panel_count * c_in * 9 * GS_PANEL floats) from in [c_in][h][w]. */
void gs_im2col_panels(const float *restrict in, int c_in, int h, int w, float *restrict panels);

/* Row k = (i, dy, dx) of the im2col matrix is input plane i read flat
 * (row-major, N = h*w values) and shifted by s = (dy-1)*w + (dx-1):
 * B[k][n] = plane[n + s]. Read flat, a shift by whole rows brings in zeros past
 * either end, which is the vertical padding; a shift by one column wraps
 * around the row edge, so those pixels (x = 0 when dx = 0, x = w-1 when
 * dx = 2) are zeroed afterwards. Interior panels are thus one 16-float copy
 * each and no pixel is bounds-checked. (Laying out one panel at a time, just
 * before it is used, measured slower: the edge masks then cost per panel.)
 * Inline so that an ISA's convolution can compile it with its own vector
 * width: the copies are a fifth of the convolution time. */
static inline __attribute__((always_inline)) void
gs_im2col_panels_inline(const float *restrict in, int c_in, int h, int w, float *restrict panels) {
    const size_t k_total = (size_t)c_in * 9;
    const ptrdiff_t n_total = (ptrdiff_t)h * w;
    const size_t panel_count = gs_panel_count(h, w);
    for (int i = 0; i < c_in; i++) {
        const float *restrict plane = in + (size_t)i * (size_t)n_total;
        for (int tap = 0; tap < 9; tap++) {
            const int dy = tap / 3, dx = tap % 3;
            const ptrdiff_t shift = (ptrdiff_t)(dy - 1) * w + (dx - 1);
            float *restrict row = panels + ((size_t)i * 9 + (size_t)tap) * GS_PANEL;
            for (size_t p = 0; p < panel_count; p++) {
                float *restrict dst = row + p * k_total * GS_PANEL;
                const ptrdiff_t first = (ptrdiff_t)(p * GS_PANEL) + shift;
                if (first >= 0 && first + GS_PANEL <= n_total && (ptrdiff_t)(p * GS_PANEL) + GS_PANEL <= n_total) {
                    /* Constant size: compiled to vector moves, not a call. */
                    memcpy(dst, plane + first, GS_PANEL * sizeof(float));
                } else {
                    /* Columns past N (last panel) come out zero too, as the
                     * micro-kernel's full-width loads need. */
                    for (ptrdiff_t j = 0; j < GS_PANEL; j++) {
                        const ptrdiff_t n = (ptrdiff_t)(p * GS_PANEL) + j;
                        dst[j] = n < n_total && n + shift >= 0 && n + shift < n_total ? plane[n + shift] : 0.0f;
                    }
                }
            }
            if (dx == 1) continue;
            GS_SCALAR_LOOP
            for (int y = 0; y < h; y++) {
                const size_t n = (size_t)y * (size_t)w + (dx == 0 ? 0 : (size_t)w - 1);
                row[(n / GS_PANEL) * k_total * GS_PANEL + n % GS_PANEL] = 0.0f;
            }
        }
    }
}


/* The SIMD convolutions' shared loop: lays the input out as panels with
 * IM2COL (gs_im2col_panels or an ISA's own copy of it), then for
 * each panel (kept in cache while every output channel passes over it) calls
 * BLOCK(mr, k_total, weight_rows, panel, bias, relu, out, ldc, n_valid) on
 * groups of MR output channels, then on the remainder in blocks of 8, 4, 2
 * and 1. BLOCK is each ISA's always-inline micro-kernel; a literal `mr` gives
 * each size its own unrolled copy, which is why this is a macro and not a
 * function taking a pointer. MR must be at most 16. */
#define GS_CONV3X3_BY_PANELS(IM2COL, BLOCK, MR, in, c_in, h, w, weight, bias, c_out, relu, out, scratch)              \
    do {                                                                                                     \
        const int k_total_ = (c_in) * 9;                                                                     \
        const size_t n_total_ = (size_t)(h) * (size_t)(w);                                                   \
        const size_t panel_count_ = gs_panel_count(h, w);                                                    \
        IM2COL(in, c_in, h, w, scratch);                                                                     \
        for (size_t p_ = 0; p_ < panel_count_; p_++) {                                                       \
            const float *panel_ = (scratch) + p_ * (size_t)k_total_ * GS_PANEL;                               \
            const size_t n0_ = p_ * GS_PANEL;                                                                \
            const int n_valid_ = n_total_ - n0_ < GS_PANEL ? (int)(n_total_ - n0_) : GS_PANEL;                \
            int m_ = 0;                                                                                      \
            for (; m_ + (MR) <= (c_out); m_ += (MR))                                                         \
                GS_PANEL_BLOCK_(BLOCK, MR);                                                                  \
            if ((MR) > 8 && (c_out) - m_ >= 8) { GS_PANEL_BLOCK_(BLOCK, 8); m_ += 8; }                       \
            if ((MR) > 4 && (c_out) - m_ >= 4) { GS_PANEL_BLOCK_(BLOCK, 4); m_ += 4; }                       \
            if ((MR) > 2 && (c_out) - m_ >= 2) { GS_PANEL_BLOCK_(BLOCK, 2); m_ += 2; }                       \
            if ((MR) > 1 && (c_out) - m_ >= 1) { GS_PANEL_BLOCK_(BLOCK, 1); m_ += 1; }                       \
        }                                                                                                    \
    } while (0)

/* One call of BLOCK on `mr` output channels from m_, inside GS_CONV3X3_BY_PANELS. */
#define GS_PANEL_BLOCK_(BLOCK, mr)                                                                           \
    BLOCK(mr, k_total_, (weight) + (size_t)m_ * k_total_, panel_, (bias) + m_, relu,                        \
          (out) + (size_t)m_ * n_total_ + n0_, n_total_, n_valid_)

#endif
