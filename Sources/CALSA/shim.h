#include <alsa/asoundlib.h>

/* alsa-lib prints its own messages to stderr ("ALSA lib pcm.c:...") before
 * returning an error code. genre-stream reports each failure as one line of
 * its own, so it installs a handler that drops them. The handler type is
 * variadic, which Swift cannot define: hence this shim. */
static void gs_alsa_quiet_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}

static inline void gs_alsa_silence_library_messages(void) {
    snd_lib_error_set_handler(gs_alsa_quiet_handler);
}
