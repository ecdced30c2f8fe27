#include <string.h>

#include "gs_kernels.h"
#include "panels.h"

size_t gs_conv3x3_scratch_floats(int c_in, int h, int w) {
    const size_t panels = gs_panel_count(h, w) * (size_t)c_in * 9 * GS_PANEL + gs_padded_planes_floats(1, h, w);
#if defined(GS_HAVE_AVX2)
    /* Whichever version the dispatcher picks at run time must fit. */
    const size_t avx512 = gs_avx512_scratch_floats(c_in, h, w);
    return panels > avx512 ? panels : avx512;
#else
    return panels;
#endif
}

float *gs_pad_planes(const float *restrict in, int c, int h, int w, float *restrict padded) {
    const size_t n = (size_t)h * (size_t)w, pad = gs_plane_pad(w);
    memset(padded, 0, pad * sizeof(float));
    for (int i = 0; i < c; i++) {
        float *plane = padded + pad + (size_t)i * (n + pad);
        memcpy(plane, in + (size_t)i * n, n * sizeof(float));
        memset(plane + n, 0, pad * sizeof(float));
    }
    return padded + pad;
}

/* Row k = (i, dy, dx) of the im2col matrix is input plane i read flat
 * (row-major, N = h*w values) and shifted by s = (dy-1)*w + (dx-1):
 * B[k][n] = plane[n + s]. Each plane is first copied between zeros
 * (gs_pad_planes, one plane at a time to keep the scratch small), so a
 * shift by whole rows reads zeros past either end, which is the vertical
 * padding, and every panel row is one unchecked 16-float copy. A shift by one
 * column wraps around the row edge, so those pixels (x = 0 when dx = 0,
 * x = w-1 when dx = 2) are zeroed afterwards. Columns past N in the last panel
 * hold whatever the zeros and the plane give there: every kernel discards
 * them. (Laying out one panel at a time, just before it is used, measured
 * slower here, without AVX-512's masked loads: the edge masks then cost per
 * panel.) */
void gs_im2col_panels(const float *restrict in, int c_in, int h, int w, float *restrict panels) {
    const size_t k_total = (size_t)c_in * 9, n_total = (size_t)h * (size_t)w;
    const size_t panel_count = gs_panel_count(h, w);
    float *workspace = panels + panel_count * k_total * GS_PANEL;
    for (int i = 0; i < c_in; i++) {
        const float *plane = gs_pad_planes(in + (size_t)i * n_total, 1, h, w, workspace);
        for (int tap = 0; tap < 9; tap++) {
            const int dy = tap / 3, dx = tap % 3;
            const ptrdiff_t shift = (ptrdiff_t)(dy - 1) * w + (dx - 1);
            float *restrict row = panels + ((size_t)i * 9 + (size_t)tap) * GS_PANEL;
            for (size_t p = 0; p < panel_count; p++)
                /* Constant size: compiled to vector moves, not a call. */
                memcpy(row + p * k_total * GS_PANEL, plane + (ptrdiff_t)(p * GS_PANEL) + shift, GS_PANEL * sizeof(float));
            if (dx == 1) continue;
            GS_SCALAR_LOOP
            for (int y = 0; y < h; y++) {
                const size_t n = (size_t)y * (size_t)w + (dx == 0 ? 0 : (size_t)w - 1);
                row[(n / GS_PANEL) * k_total * GS_PANEL + n % GS_PANEL] = 0.0f;
            }
        }
    }
}
