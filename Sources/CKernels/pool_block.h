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

#endif
