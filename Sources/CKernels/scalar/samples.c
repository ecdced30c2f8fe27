#include <float.h>
#include <math.h>
#include <string.h>

#include "gs_kernels.h"

void gs_s16le_to_float(const void *restrict bytes, size_t n, float *restrict out) {
    const unsigned char *restrict b = bytes;
    for (size_t i = 0; i < n; i++) {
        /* Assembled from bytes, so the host's byte order does not matter; the
         * compiler sees through it to one 16-bit load on little-endian hosts. */
        const int16_t v = (int16_t)(uint16_t)(b[2 * i] | (unsigned)b[2 * i + 1] << 8);
        out[i] = (float)v * (1.0f / 32768.0f);
    }
}

size_t gs_count_irregular(const float *x, size_t n, float limit) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const float a = fabsf(x[i]);
        /* NaN fails every comparison, so it counts as irregular too. */
        count += !(a <= limit && (a >= FLT_MIN || a == 0.0f));
    }
    return count;
}
