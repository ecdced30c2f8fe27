#include <string.h>

#include "gs_kernels.h"
#include "panels.h"

size_t gs_conv3x3_scratch_floats(int c_in, int h, int w) {
    return gs_panel_count(h, w) * (size_t)c_in * 9 * GS_PANEL;
}

void gs_im2col_panels(const float *restrict in, int c_in, int h, int w, float *restrict panels) {
    const int k_total = c_in * 9;
    const size_t n_total = (size_t)h * (size_t)w;
    const size_t panel_count = gs_panel_count(h, w);
    /* The last panel's columns past N must be defined (zero) so that the
     * micro-kernel's full-width loads compute nothing strange there. */
    if (n_total % GS_PANEL) {
        float *last = panels + (panel_count - 1) * (size_t)k_total * GS_PANEL;
        memset(last, 0, (size_t)k_total * GS_PANEL * sizeof(float));
    }
    for (int i = 0; i < c_in; i++) {
        const float *restrict plane = in + (size_t)i * n_total;
        for (int dy = 0; dy < 3; dy++) {
            for (int dx = 0; dx < 3; dx++) {
                const int k = i * 9 + dy * 3 + dx;
                size_t n = 0;
                for (int y = 0; y < h; y++) {
                    const int sy = y + dy - 1;
                    for (int x = 0; x < w; x++, n++) {
                        const int sx = x + dx - 1;
                        const float v = (sy >= 0 && sy < h && sx >= 0 && sx < w) ? plane[(size_t)sy * w + sx] : 0.0f;
                        panels[((n / GS_PANEL) * (size_t)k_total + (size_t)k) * GS_PANEL + n % GS_PANEL] = v;
                    }
                }
            }
        }
    }
}
