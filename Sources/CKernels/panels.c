#include <string.h>

#include "gs_kernels.h"
#include "panels.h"

size_t gs_conv3x3_scratch_floats(int c_in, int h, int w) {
    return gs_panel_count(h, w) * (size_t)c_in * 9 * GS_PANEL;
}

void gs_im2col_panels(const float *restrict in, int c_in, int h, int w, float *restrict panels) {
    gs_im2col_panels_inline(in, c_in, h, w, panels);
}
