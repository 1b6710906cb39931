/* remote_agents/frontend.h — the frontend extension (ABI 1.1): a plugin that serves a protocol
 * (MCP over stdio today) on file descriptors the host hands it, calling tools through
 * host->dispatch. The host asks the instance for it with get_extension(RA_EXT_FRONTEND).
 * Thread tags are explained in plugin.h. */
#ifndef REMOTE_AGENTS_FRONTEND_H
#define REMOTE_AGENTS_FRONTEND_H

#include "plugin.h"

RA_BEGIN_DECLS

#define RA_EXT_FRONTEND "ra.frontend/1"

typedef struct ra_frontend_ext {
  uint32_t struct_size;
  /* [worker] Serve on in_fd/out_fd (borrowed; the host closes them after serve returns) until the
   * input ends or the instance's stop() is called; blocks the calling thread, which the host gives
   * the frontend for this purpose. `options_json` is a JSON object of frontend options from the
   * command line (borrowed for the call). Returns 0 on a clean end, otherwise an exit code (1–125)
   * with the reason logged. [R64] */
  int (*serve)(ra_instance_t *self, int in_fd, int out_fd, const char *options_json, size_t options_len);
  /* [any] Make a running serve return promptly (a stop signal): stop reading, cancel what runs,
   * answer nothing more. Idempotent; harmless when serve is not running. */
  void (*interrupt)(ra_instance_t *self);
} ra_frontend_ext_t;

RA_END_DECLS

#endif /* REMOTE_AGENTS_FRONTEND_H */
