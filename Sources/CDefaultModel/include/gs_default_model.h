#ifndef GS_DEFAULT_MODEL_H
#define GS_DEFAULT_MODEL_H
#include <stddef.h>

/* The bytes of the built-in models, compiled into the binary so that they are
 * found wherever the executable is copied. Valid for the life of the process;
 * never written.
 * Weights/genre-cnn.gsm, the small CNN: */
const unsigned char *gs_small_model_bytes(void);
size_t gs_small_model_size(void);
/* Weights/genre-musicnn.gsm, musicnn's MSD network with its genre head and 50 tags
 * (the default model): */
const unsigned char *gs_musicnn_model_bytes(void);
size_t gs_musicnn_model_size(void);

/* Weights/genre-fusion.gsm, musicnn's genre model and YAMNet fused on one stream
 * (the default model): */
const unsigned char *gs_fusion_model_bytes(void);
size_t gs_fusion_model_size(void);

#endif
