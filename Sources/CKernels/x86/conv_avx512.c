#include "gs_kernels.h"

#ifdef GS_HAVE_AVX2
#include <immintrin.h>
#include <stdint.h>

#include "../panels.h"

#define GS_AVX512 __attribute__((target("avx512f")))

/* Output channels are taken 12 at a time, then 8, 4, 2 and 1 for the rest,
 * except that a last 16 is taken as 8 + 8: a block of 4 keeps too few FMAs in
 * flight, and models' channel counts are multiples of 16. */
#define MR 12

static inline int block_size(int remaining) {
    if (remaining == 16) return 8;
    return remaining >= MR ? MR : remaining >= 8 ? 8 : remaining >= 4 ? 4 : remaining >= 2 ? 2 : 1;
}

/* The weights of a block of `mr` output channels are packed tap-major,
 * weight[k * mr + r], so the block's broadcasts walk one pointer forward
 * instead of `mr` rows a layer's width apart: one sequential stream for the
 * prefetcher and no address arithmetic in the inner loop. */
void gs_conv3x3_pack_avx512(const float *restrict weight, int c_in, int c_out, float *restrict packed) {
    const size_t k_total = (size_t)c_in * 9;
    for (int m = 0, mr; m < c_out; m += mr) {
        mr = block_size(c_out - m);
        for (size_t k = 0; k < k_total; k++)
            for (int r = 0; r < mr; r++) packed[(size_t)m * k_total + k * mr + r] = weight[(size_t)(m + r) * k_total + k];
    }
}

/* One block of the product: `mr` (<= 12) output channels by `np` (1 or 2)
 * adjacent 16-column panels, one 512-bit accumulator each, 24 of the 32
 * registers. Per tap: `np` panel loads, then each channel's weight is
 * broadcast once and used `np` times, so with two panels the FMA pipes are fed
 * by one broadcast per two FMAs. The last panel's tail is written with a lane
 * mask. Inlined with constant `mr` and `np`: each pair gets its own unrolled copy. */
static inline __attribute__((always_inline)) GS_AVX512 void
block(const int mr, const int np, int k_total, const float *restrict weight, const float *restrict panel,
      const float *restrict bias, int relu, float *restrict out, size_t ldc, int n_valid_last) {
    const float *restrict panel1 = panel + (size_t)k_total * GS_PANEL;
    __m512 acc[MR][2];
    for (int r = 0; r < mr; r++)
        for (int q = 0; q < np; q++) acc[r][q] = _mm512_setzero_ps();
    for (int k = 0; k < k_total; k++) {
        const __m512 b0 = _mm512_loadu_ps(panel + (size_t)k * GS_PANEL);
        const __m512 b1 = np == 2 ? _mm512_loadu_ps(panel1 + (size_t)k * GS_PANEL) : b0;
        for (int r = 0; r < mr; r++) {
            const __m512 a = _mm512_set1_ps(weight[(size_t)k * mr + r]);
            acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
            if (np == 2) acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
        }
    }
    const __mmask16 last = (__mmask16)((1u << n_valid_last) - 1u);
    const __m512 zero = _mm512_setzero_ps();
    for (int r = 0; r < mr; r++) {
        const __m512 b = _mm512_set1_ps(bias[r]);
        for (int q = 0; q < np; q++) {
            __m512 v = _mm512_add_ps(acc[r][q], b);
            if (relu) v = _mm512_max_ps(v, zero);
            _mm512_mask_storeu_ps(out + (size_t)r * ldc + (size_t)q * GS_PANEL, q == np - 1 ? last : 0xFFFF, v);
        }
    }
}

size_t gs_avx512_scratch_floats(int c_in, int h, int w) {
    /* All input planes padded (gs_pad_planes), 16 floats to align the panels to
     * cache lines, two panels. */
    return gs_padded_planes_floats(c_in, h, w) + GS_PANEL + 2 * (size_t)c_in * 9 * GS_PANEL;
}

/* Panel p (columns 16p ... 16p+15) of the im2col matrix, built just before its
 * use so it is still in L1 cache when the micro-kernel reads it: row k = (i, dy, dx)
 * is plane i read flat from pixel 16p + (dy-1)*w + (dx-1). Rows shifted by whole
 * image rows read the zeros between planes, which is the vertical padding; a
 * one-column shift wraps round the image's row edge, so those lanes (pixels with
 * x = 0 for dx = 0, x = w-1 for dx = 2) are zeroed by the load's own mask. Each row
 * is one masked load and one store, aligned. Columns past N hold whatever the
 * buffer has there; the micro-kernel's masked stores discard them. */
static inline __attribute__((always_inline)) GS_AVX512 void
build_panel(const float *restrict padded, size_t stride, int c_in, int w, size_t p, float *restrict panel) {
    const size_t n0 = p * GS_PANEL;
    unsigned has_left = 0, has_right = 0;
    for (size_t j = 0, x = n0 % (size_t)w; j < GS_PANEL; j++, x = x + 1 == (size_t)w ? 0 : x + 1) {
        has_left |= (unsigned)(x != 0) << j;
        has_right |= (unsigned)(x + 1 != (size_t)w) << j;
    }
    const __mmask16 left = (__mmask16)has_left, right = (__mmask16)has_right;
    for (int i = 0; i < c_in; i++) {
        const float *plane = padded + (size_t)i * stride + n0;
        float *dst = panel + (size_t)i * 9 * GS_PANEL;
        for (int dy = 0; dy < 3; dy++) {
            const float *centre = plane + (ptrdiff_t)(dy - 1) * w;
            _mm512_store_ps(dst + (3 * dy + 0) * GS_PANEL, _mm512_maskz_loadu_ps(left, centre - 1));
            _mm512_store_ps(dst + (3 * dy + 1) * GS_PANEL, _mm512_loadu_ps(centre));
            _mm512_store_ps(dst + (3 * dy + 2) * GS_PANEL, _mm512_maskz_loadu_ps(right, centre + 1));
        }
    }
}

/* Every output channel over `np` panels from column n0, in the packing's blocks. */
static inline __attribute__((always_inline)) GS_AVX512 void
channels(const int np, int k_total, const float *restrict weight, const float *restrict panel,
         const float *restrict bias, int c_out, int relu, float *restrict out, size_t n_total, size_t n0) {
    const int n_valid_last = (int)(n_total - n0 - (size_t)(np - 1) * GS_PANEL < GS_PANEL
                                       ? n_total - n0 - (size_t)(np - 1) * GS_PANEL : GS_PANEL);
#define GS_BLOCK_AT(mr) \
    block(mr, np, k_total, weight + (size_t)m * k_total, panel, bias + m, relu, out + (size_t)m * n_total + n0, n_total, n_valid_last)
    for (int m = 0, mr; m < c_out; m += mr) {
        switch (mr = block_size(c_out - m)) {
        case MR: GS_BLOCK_AT(MR); break;
        case 8: GS_BLOCK_AT(8); break;
        case 4: GS_BLOCK_AT(4); break;
        case 2: GS_BLOCK_AT(2); break;
        default: GS_BLOCK_AT(1); break;
        }
    }
#undef GS_BLOCK_AT
}

/* `weight` as gs_conv3x3_pack_avx512 leaves it. Panels are taken in pairs
 * (the last one alone when their count is odd). */
GS_AVX512 void gs_conv3x3_avx512(const float *restrict in, int c_in, int h, int w,
                                 const float *restrict weight, const float *restrict bias,
                                 int c_out, int relu, float *restrict out, float *restrict scratch) {
    const int k_total = c_in * 9;
    const size_t n_total = (size_t)h * (size_t)w, panel_count = gs_panel_count(h, w);
    const size_t stride = n_total + gs_plane_pad(w);
    const float *padded = gs_pad_planes(in, c_in, h, w, scratch);
    float *end = scratch + gs_padded_planes_floats(c_in, h, w);
    float *panels = (float *)(((uintptr_t)end + 63) & ~(uintptr_t)63);
    const size_t panel_floats = (size_t)k_total * GS_PANEL;
    size_t p = 0;
    for (; p + 2 <= panel_count; p += 2) {
        build_panel(padded, stride, c_in, w, p, panels);
        build_panel(padded, stride, c_in, w, p + 1, panels + panel_floats);
        channels(2, k_total, weight, panels, bias, c_out, relu, out, n_total, p * GS_PANEL);
    }
    if (p < panel_count) {
        build_panel(padded, stride, c_in, w, p, panels);
        channels(1, k_total, weight, panels, bias, c_out, relu, out, n_total, p * GS_PANEL);
    }
}
#endif
