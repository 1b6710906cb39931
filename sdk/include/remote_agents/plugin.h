/* remote_agents/plugin.h — what a plugin exports and implements (ABI v1).
 *
 * A plugin is a shared object exporting one data symbol, `ra_plugin_entry` (RA_PLUGIN_ENTRY_SYMBOL),
 * of type ra_plugin_entry_t. The host reads the ABI version first, then the static info, then calls
 * create() to get an instance whose vtable (ra_instance_t) it drives. The numbered rules that
 * govern all of this are in sdk/docs/abi.md; the rule numbers are cited below as [R<n>].
 *
 * Thread tags on every function pointer:
 *   [main]   called on the host's main strand; never concurrently for one instance.
 *   [worker] called on a host pool thread or a thread the plugin owns.
 *   [any]    either of the above, possibly concurrently.
 *
 * Ownership [R20–R24]: pointers passed into a function are borrowed for that call only; the side
 * that allocates frees; no C++ types, exceptions or FILE* cross the boundary; strings are UTF-8 and
 * NUL-terminated; JSON travels as (ptr, len) and is NUL-terminated too. */
#ifndef REMOTE_AGENTS_PLUGIN_H
#define REMOTE_AGENTS_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macros.h"
#include "status.h"
#include "version.h"

RA_BEGIN_DECLS

typedef struct ra_host ra_host_t; /* host.h */
typedef struct ra_instance ra_instance_t;
typedef struct ra_call ra_call_t;

/* ---- Safety modes (the host's current mode, reported in every call) ------------------------- */
typedef enum ra_mode {
  RA_MODE_PLAN = 0,     /* read-only: reads and read-only commands; children cannot write files */
  RA_MODE_EDIT = 1,     /* writes allowed where the path policy allows, with backups */
  RA_MODE_BYPASS = 2,   /* writes anywhere the deny lists allow, no backups */
  RA_MODE_DISABLED = 3, /* nothing runs except get_info */
  RA_MODE_FORCE_32BIT = 0x7fffffff
} ra_mode;

/* ---- Permission class of a tool: what the core enforces before invoke [R30] ----------------- */
typedef enum ra_permission {
  RA_PERM_READ = 1,    /* observes files or state; allowed in plan, edit, bypass */
  RA_PERM_WRITE = 2,   /* changes files or state; refused in plan */
  RA_PERM_EXEC = 3,    /* runs commands named by command_args; plan allows read-only commands only */
  RA_PERM_NETWORK = 4, /* opens listeners, tunnels or outbound channels; refused in plan */
  /* RA_SINCE(1, 2). Runs a program the operator configured (an AI CLI), named by command_args —
   * never a caller's command line. The command policy (deny lists, allowed_commands) applies as
   * for exec; in plan mode the program does not need to be a read-only command but runs only
   * inside the kernel's read-only sandbox (Landlock), and is refused where the kernel cannot
   * enforce it. Refused in disabled. [R36] */
  RA_PERM_EXEC_SANDBOXED = 5,
  /* Reserved for the core's built-in tools; the loader refuses plugin tools declaring them. */
  RA_PERM_INFO = 100,  /* host metadata only; allowed in every mode, disabled included */
  RA_PERM_ADMIN = 101, /* changes host settings (set_mode); rules of its own */
  RA_PERM_FORCE_32BIT = 0x7fffffff
} ra_permission;

/* ---- Tool annotations: MCP hints, informational only, never used for policy ------------------ */
enum {
  RA_HINT_READ_ONLY = 1u << 0,    /* MCP readOnlyHint */
  RA_HINT_DESTRUCTIVE = 1u << 1,  /* MCP destructiveHint */
  RA_HINT_IDEMPOTENT = 1u << 2,   /* MCP idempotentHint */
  RA_HINT_OPEN_WORLD = 1u << 3,   /* MCP openWorldHint */
  RA_HINT_LONG_RUNNING = 1u << 4, /* may outlast a client's usual 60 s: frontends may return a handle */
  RA_HINT_STREAMS = 1u << 5,      /* emits partial output while running */
  RA_HINT_INTERNAL = 1u << 6      /* RA_SINCE(1, 1): a plugin's own plumbing (called through
                                     host->dispatch): frontends do not list it */
};

/* ---- Tool descriptor: the MCP tool shape plus what the core needs for policy [R31–R35] -------- */
typedef struct ra_tool_desc {
  uint32_t struct_size;
  const char *name;          /* MCP tool name, [a-z][a-z0-9_]{0,63}, unique across loaded plugins */
  const char *title;         /* human label */
  const char *description;   /* for the model and the user: what it does, limits, what it returns */
  const char *input_schema;  /* JSON Schema (draft-04 subset) text; root must be {"type":"object"} */
  const char *output_schema; /* JSON Schema of the result object, or NULL */
  uint32_t hints;            /* RA_HINT_* */
  uint32_t permission;       /* ra_permission: the class the core enforces */
  /* NULL-terminated lists of top-level argument names. A name ending in "[]" means the argument
   * is an array of such values. Every listed argument is checked by the core before invoke. */
  const char *const *read_path_args;  /* paths the tool reads (path policy: deny, then allow) */
  const char *const *write_path_args; /* paths the tool writes (refused in plan; write policy) */
  const char *const *command_args;    /* shell command strings (command policy; plan read-only) */
} ra_tool_desc_t;

/* ---- Static plugin information (readable without running plugin code) ----------------------- */
typedef struct ra_plugin_info {
  uint32_t struct_size;
  const char *id;          /* [a-z0-9][a-z0-9._-]{0,63}; must match the [plugins.<id>] table */
  const char *name;        /* human name */
  const char *version;     /* plugin's own version, e.g. "1.2.0" */
  const char *description; /* one line */
  const char *vendor;      /* may be NULL */
  const char *url;         /* may be NULL */
  const char *license;     /* SPDX id, may be NULL */
} ra_plugin_info_t;

/* ---- One tool call. Host-owned; valid from invoke() until complete() has returned [R40] ------ */
typedef struct ra_call {
  uint32_t struct_size;
  uint64_t id;           /* unique per host process */
  const char *tool;      /* descriptor name */
  const char *args_json; /* already validated against input_schema; NUL-terminated */
  size_t args_len;
  const char *caller;  /* "local" or the authenticated peer id */
  uint32_t mode;       /* ra_mode at dispatch time */
  int64_t deadline_ms; /* CLOCK_MONOTONIC milliseconds; 0 = none */
  void *plugin_ref;    /* free for the plugin's use */
  /* RA_SINCE(1, 2): where this call came from, as an address for host->send_event: "local" for a
   * call made in this process, else the calling process's peer id. Copy it to keep it. */
  const char *reply_to;
} ra_call_t;

/* ---- Instance vtable, implemented by the plugin ---------------------------------------------- */
struct ra_instance {
  uint32_t struct_size;
  void *plugin_data; /* the plugin's own state */
  /* [main] Host services are usable from here on. Return non-OK to fail loading. */
  ra_status (*start)(ra_instance_t *self);
  /* [main] Stop accepting work, cancel what runs, join own threads. Every outstanding call must
   * still be completed (with RA_CANCELLED) before stop returns or soon after. */
  void (*stop)(ra_instance_t *self);
  /* [main] Free everything. Called after stop() and after every call has completed. */
  void (*destroy)(ra_instance_t *self);
  /* [main] Tools. Descriptors stay valid until destroy() or until the plugin calls
   * host->tools_changed(). */
  uint32_t (*tool_count)(const ra_instance_t *self);
  const ra_tool_desc_t *(*tool_get)(const ra_instance_t *self, uint32_t index);
  /* [main] Start a call. MUST NOT BLOCK [R41]: validate, hand the work off (host->post_work,
   * host->spawn or an own thread) and return. RA_OK means complete() will be called exactly once;
   * any other status means the call failed at once and the host completes it itself. */
  ra_status (*invoke)(ra_instance_t *self, ra_call_t *call);
  /* [any] Ask a running call to stop. Idempotent, non-blocking; the call must still complete.
   * Processes started with host->spawn for this call are killed by the host itself. */
  void (*cancel)(ra_instance_t *self, ra_call_t *call);
  /* [any] Optional extension interfaces by id ("ra.<name>/<rev>"); NULL when unsupported. */
  const void *(*get_extension)(const ra_instance_t *self, const char *ext_id);
};

/* ---- The exported entry ---------------------------------------------------------------------- */
typedef struct ra_plugin_entry {
  uint32_t abi_major; /* FIRST: RA_ABI_MAJOR the plugin was compiled against [R1] */
  uint32_t abi_minor; /* RA_ABI_MINOR the plugin was compiled against [R2] */
  uint32_t struct_size;
  const ra_plugin_info_t *info;
  /* [main] Create one instance. `config_json` is the plugin's own [plugins.<id>.config] table as a
   * JSON object (borrowed). On failure return NULL and write a NUL-terminated reason into
   * err_buf (capacity err_cap). */
  ra_instance_t *(*create)(const ra_host_t *host, uint32_t negotiated_minor, const char *config_json, size_t config_len,
                           char *err_buf, size_t err_cap);
} ra_plugin_entry_t;

#define RA_PLUGIN_ENTRY_SYMBOL "ra_plugin_entry"

RA_END_DECLS

#endif /* REMOTE_AGENTS_PLUGIN_H */
