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

#endif
