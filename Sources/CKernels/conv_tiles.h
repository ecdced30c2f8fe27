#ifndef GS_CONV_TILES_H
#define GS_CONV_TILES_H
/* Internal to CKernels: the small pieces every blocked convolution driver
 * (direct and Winograd, scalar, AVX2, AVX-512F, NEON) shares. */
#include "gs_kernels.h"

/* GCC at -O2 does not unroll the channel and vector loops by itself, and
 * without unrolling the accumulator arrays stay in memory. */
#define GS_UNROLL _Pragma("GCC unroll 8")

/* A channel block's bias, zeros past c_out (the packing's zero weights make
 * those channels exactly 0, and they are never stored). */
static inline void gs_block_bias(const float *restrict bias, int n_ch, float bias6[GS_CONV_CB]) {
    GS_UNROLL
    for (int j = 0; j < GS_CONV_CB; j++) bias6[j] = j < n_ch ? bias[j] : 0.0f;
}

#if defined(GS_HAVE_AVX2)
#include <immintrin.h>

/* Lanes [0, n) of 8-float vector r of a block whose first n values are valid
 * (values 8r .. 8r + 7), as a _mm256_maskstore_ps mask. */
static inline __attribute__((target("avx2,fma"))) __m256i gs_lane_mask8(int n, int r) {
    static const int32_t lane[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n - 8 * r), _mm256_loadu_si256((const __m256i *)lane));
}

/* Lanes of 16-float vector r of a block whose first n values are valid. */
static inline __attribute__((target("avx512f"))) __mmask16 gs_lane_mask16(int n, int r) {
    const int left = n - 16 * r;
    return left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1u);
}
#endif

#endif
