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

int gs_any_irregular(const float *x, size_t n, float limit) {
    /* An or over the whole block rather than an early exit, so that it vectorises. */
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        const float a = fabsf(x[i]);
        /* NaN fails every comparison, so it counts as irregular too. */
        any |= !(a <= limit && (a >= FLT_MIN || a == 0.0f));
    }
    return any;
}

void gs_downmix(const float *restrict interleaved, size_t frames, int channels, float *restrict mono) {
    const float scale = 1.0f / (float)channels;
    if (channels == 2) {
        /* Stereo, nearly every multichannel input: a loop of its own that vectorises. */
        for (size_t f = 0; f < frames; f++) mono[f] = (interleaved[2 * f] + interleaved[2 * f + 1]) * scale;
        return;
    }
    for (size_t f = 0; f < frames; f++) {
        float sum = 0.0f;
        for (int c = 0; c < channels; c++) sum += interleaved[f * (size_t)channels + (size_t)c];
        mono[f] = sum * scale;
    }
}
