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

#define GS_PANEL 16

static inline size_t gs_panel_count(int h, int w) {
    return ((size_t)h * (size_t)w + GS_PANEL - 1) / GS_PANEL;
}

/* Fills `panels` (gs_panel_count * c_in * 9 * GS_PANEL floats) from in [c_in][h][w]. */
void gs_im2col_panels(const float *restrict in, int c_in, int h, int w, float *restrict panels);

/* The SIMD convolutions' shared loop: lays the input out as panels, then for
 * each panel (kept in cache while every output channel passes over it) calls
 * BLOCK(mr, k_total, weight_rows, panel, bias, relu, out, ldc, n_valid) on
 * groups of 6 output channels and once on the remainder. BLOCK is each ISA's
 * always-inline micro-kernel; a literal `mr` gives each size its own unrolled
 * copy, which is why this is a macro and not a function taking a pointer. */
#define GS_CONV3X3_BY_PANELS(BLOCK, in, c_in, h, w, weight, bias, c_out, relu, out, scratch)                  \
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
            for (; m_ + 6 <= (c_out); m_ += 6)                                                               \
                BLOCK(6, k_total_, (weight) + (size_t)m_ * k_total_, panel_, (bias) + m_, relu,              \
                      (out) + m_ * n_total_ + n0_, n_total_, n_valid_);                                      \
            switch ((c_out) - m_) {                                                                          \
            case 5: BLOCK(5, k_total_, (weight) + (size_t)m_ * k_total_, panel_, (bias) + m_, relu, (out) + m_ * n_total_ + n0_, n_total_, n_valid_); break; \
            case 4: BLOCK(4, k_total_, (weight) + (size_t)m_ * k_total_, panel_, (bias) + m_, relu, (out) + m_ * n_total_ + n0_, n_total_, n_valid_); break; \
            case 3: BLOCK(3, k_total_, (weight) + (size_t)m_ * k_total_, panel_, (bias) + m_, relu, (out) + m_ * n_total_ + n0_, n_total_, n_valid_); break; \
            case 2: BLOCK(2, k_total_, (weight) + (size_t)m_ * k_total_, panel_, (bias) + m_, relu, (out) + m_ * n_total_ + n0_, n_total_, n_valid_); break; \
            case 1: BLOCK(1, k_total_, (weight) + (size_t)m_ * k_total_, panel_, (bias) + m_, relu, (out) + m_ * n_total_ + n0_, n_total_, n_valid_); break; \
            default: break;                                                                                  \
            }                                                                                                \
        }                                                                                                    \
    } while (0)


#endif
