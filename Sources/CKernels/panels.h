#ifndef GS_PANELS_H
#define GS_PANELS_H
/* Internal to CKernels: the matrix layout the SIMD convolutions multiply.
 *
 * A 3x3 convolution is a matrix product out[c_out][N] = W[c_out][K] . B[K][N]
 * with K = c_in * 9 (the taps, in the weight tensor's order) and N = h * w
 * (the output pixels). B is stored in panels of GS_PANEL columns: panel p holds
 * columns 16p ... 16p+15 as K consecutive rows of 16 floats, so the
 * micro-kernel streams through memory in order. */
#include <stddef.h>

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

/* Both im2col versions read the input planes flat from a copy with zeros before,
 * between and after them, so that every tap of every panel reads inside the
 * copy without a bounds check: a tap reaches w + 1 pixels back and forward, and
 * the last panel's columns past N up to 15 more. gs_pad_planes lays out `c`
 * planes of n = h*w floats that way in gs_padded_planes_floats(c, h, w) floats
 * and returns plane 0; plane i starts n + gs_plane_pad(w) floats after it. */
static inline size_t gs_plane_pad(int w) { return (size_t)w + GS_PANEL; }
static inline size_t gs_padded_planes_floats(int c, int h, int w) {
    return gs_plane_pad(w) + (size_t)c * ((size_t)h * (size_t)w + gs_plane_pad(w));
}
float *gs_pad_planes(const float *restrict in, int c, int h, int w, float *restrict padded);

/* Fills `panels` (gs_panel_count * c_in * 9 * GS_PANEL floats, followed by
 * gs_padded_planes_floats(1, h, w) more as workspace) from in [c_in][h][w]. */
void gs_im2col_panels(const float *restrict in, int c_in, int h, int w, float *restrict panels);

/* Scratch floats gs_conv3x3_avx512 needs (x86-64 only; it lays out its panels
 * differently, see there). */
size_t gs_avx512_scratch_floats(int c_in, int h, int w);

/* The SIMD convolutions' shared loop: lays the input out as panels, then for
 * each panel (kept in cache while every output channel passes over it) calls
 * BLOCK(mr, k_total, weight_rows, panel, bias, relu, out, ldc, n_valid) on
 * groups of MR output channels, then on the remainder in blocks of 8, 4, 2
 * and 1. BLOCK is each ISA's always-inline micro-kernel; a literal `mr` gives
 * each size its own unrolled copy, which is why this is a macro and not a
 * function taking a pointer. MR must be at most 16. */
#define GS_CONV3X3_BY_PANELS(BLOCK, MR, in, c_in, h, w, weight, bias, c_out, relu, out, scratch)              \
    do {                                                                                                     \
        const int k_total_ = (c_in) * 9;                                                                     \
        const size_t n_total_ = (size_t)(h) * (size_t)(w);                                                   \
        const size_t panel_count_ = gs_panel_count(h, w);                                                    \
        gs_im2col_panels(in, c_in, h, w, scratch);                                                           \
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
