#include "gs_default_model.h"

/* C23 #embed keeps the model files the single source of truth: no generated
 * array to regenerate and commit after every training run. The paths are
 * relative to this file, like #include. */
static const unsigned char small_model_bytes[] = {
#embed "../../Weights/genre-cnn.gsm"
};

static const unsigned char musicnn_model_bytes[] = {
#embed "../../Weights/genre-musicnn.gsm"
};

static const unsigned char fusion_model_bytes[] = {
#embed "../../Weights/genre-fusion.gsm"
};

const unsigned char *gs_small_model_bytes(void) { return small_model_bytes; }
size_t gs_small_model_size(void) { return sizeof small_model_bytes; }
const unsigned char *gs_musicnn_model_bytes(void) { return musicnn_model_bytes; }
size_t gs_musicnn_model_size(void) { return sizeof musicnn_model_bytes; }
const unsigned char *gs_fusion_model_bytes(void) { return fusion_model_bytes; }
size_t gs_fusion_model_size(void) { return sizeof fusion_model_bytes; }
