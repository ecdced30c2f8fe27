#ifndef GS_POOL_BLOCK_H
#define GS_POOL_BLOCK_H
/* Internal to CKernels. */
#include <stddef.h>

/* The maximum of one kh x kw pooling block whose top-left value is rows[x * kw]
 * (rows: the block row's first input row, w: the input width); the scalar
 * kernel and the SIMD kernels' remainders share it. */
static inline float gs_maxpool_block(const float *rows, int w, int kh, int kw, int x) {
    float m = rows[x * kw];
    for (int dy = 0; dy < kh; dy++)
        for (int dx = 0; dx < kw; dx++) {
            const float v = rows[(size_t)dy * w + x * kw + dx];
            m = v > m ? v : m;
        }
    return m;
}

/* The same for the 2x2 blocks every model uses, unrolled and branch-free; the
 * comparisons match gs_maxpool_block's so both treat NaN alike. */
static inline float gs_maxpool_block_2x2(const float *rows, int w, int x) {
    const float *r0 = rows + 2 * x, *r1 = r0 + w;
    float m = r0[0];
    m = r0[1] > m ? r0[1] : m;
    m = r1[0] > m ? r1[0] : m;
    return r1[1] > m ? r1[1] : m;
}

/* Output columns x0 ... ow-1 of one pooled row, o[x] for each: the scalar
 * kernel's whole row and the SIMD kernels' remainders. */
static inline void gs_maxpool_row(const float *rows, int w, int kh, int kw, int x0, int ow, float *o) {
    if (kh == 2 && kw == 2)
        for (int x = x0; x < ow; x++) o[x] = gs_maxpool_block_2x2(rows, w, x);
    else
        for (int x = x0; x < ow; x++) o[x] = gs_maxpool_block(rows, w, kh, kw, x);
}

#endif
