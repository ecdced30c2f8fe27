#include "gs_default_model.h"

/* C23 #embed keeps the model file the single source of truth: no generated
 * array to regenerate and commit after every training run. The path is
 * relative to this file, like #include. */
static const unsigned char model_bytes[] = {
#embed "../../Weights/genre-cnn.gsm"
};

const unsigned char *gs_default_model_bytes(void) { return model_bytes; }
size_t gs_default_model_size(void) { return sizeof model_bytes; }
