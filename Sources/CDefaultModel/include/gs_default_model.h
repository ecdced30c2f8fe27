#ifndef GS_DEFAULT_MODEL_H
#define GS_DEFAULT_MODEL_H
#include <stddef.h>

/* The bytes of Weights/genre-cnn.gsm, compiled into the binary so that the
 * default model is found wherever the executable is copied. Valid for the
 * life of the process; never written. */
const unsigned char *gs_default_model_bytes(void);
size_t gs_default_model_size(void);

#endif
