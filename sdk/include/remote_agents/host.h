/* remote_agents/host.h — the host service table plugins call (ABI v1).
 *
 * One append-only table of function pointers, like sqlite3_api_routines: new services are added
 * at the end with RA_SINCE(1, n); nothing is ever reordered, retyped or removed. A plugin checks
 * RA_HAS(host, ra_host_t, slot) before using anything newer than 1.0 [R10–R12].
 * Thread tags are explained in plugin.h. */
#ifndef REMOTE_AGENTS_HOST_H
#define REMOTE_AGENTS_HOST_H

#include "plugin.h"

RA_BEGIN_DECLS

typedef enum ra_log_level {
  RA_LOG_TRACE = 0,
  RA_LOG_DEBUG = 1,
  RA_LOG_INFO = 2,
  RA_LOG_WARN = 3,
  RA_LOG_ERROR = 4,
  RA_LOG_FORCE_32BIT = 0x7fffffff
} ra_log_level;

/* ---- Child processes (host->spawn) ---------------------------------------------------------- */
enum { RA_SPAWN_STDOUT = 1, RA_SPAWN_STDERR = 2 };

typedef struct ra_spawn_spec {
  uint32_t struct_size;
  const char *const *argv; /* NULL-terminated; argv[0] is looked up on PATH when it has no '/' */
  const char *const *env;  /* NULL-terminated "KEY=VALUE" entries added to (or replacing in) the
                              daemon's environment; may be NULL */
  const char *cwd;         /* working directory, or NULL for the daemon's */
  const char *stdin_data;  /* written to the child's stdin, then closed; NULL = /dev/null */
  size_t stdin_len;
  int64_t timeout_ms;  /* > 0: the whole process group is killed after this long */
  uint64_t max_output; /* per-stream bytes delivered to on_output; 0 = host default */
} ra_spawn_spec_t;

typedef struct ra_spawn_result {
  uint32_t struct_size;
  ra_status status;      /* RA_OK when the child ran (whatever its exit code) */
  const char *error;     /* why it could not be started, when status != RA_OK */
  int32_t exit_code;     /* exit status, or -1 when killed by a signal */
  int32_t term_signal;   /* signal number that ended it, 0 when it exited */
  bool timed_out;        /* killed by timeout_ms */
  bool cancelled;        /* killed because the call was cancelled */
  bool stdout_truncated; /* more than max_output bytes were produced on stdout */
  bool stderr_truncated;
  uint64_t stdout_bytes; /* bytes produced in total (delivered or not) */
  uint64_t stderr_bytes;
  int64_t duration_ms;
  bool sandboxed; /* the kernel sandbox (Landlock) for the call's mode was applied */
} ra_spawn_result_t;

typedef struct ra_spawn_sink {
  uint32_t struct_size;
  void *user_data;
  /* [worker] Output as it arrives, in order per stream, never more than max_output per stream.
   * `data` is borrowed for the duration of the callback. May be NULL. */
  void (*on_output)(void *user_data, int stream, const char *data, size_t len);
  /* [worker] Exactly once, after the whole process group is gone and all output was delivered.
   * `result` is borrowed for the duration of the callback. */
  void (*on_exit)(void *user_data, const ra_spawn_result_t *result);
} ra_spawn_sink_t;

/* ---- Calls through the host to any tool on any host (host->dispatch), RA_SINCE(1, 1) ---------- */
enum {
  /* `target` is a fleet target expression (all | name or id | web,db | os:linux | tag:web and not
   * name:db-*): every host it selects runs the tool; the result aggregates them. */
  RA_DISPATCH_FLEET = 1u << 0
};

typedef struct ra_dispatch_request {
  uint32_t struct_size;
  uint32_t flags;        /* RA_DISPATCH_* */
  const char *tool;      /* a tool name as the hosts advertise it (describe) */
  const char *args_json; /* JSON object of arguments, validated by the host that runs the tool */
  size_t args_len;
  /* NULL or "" = this host. Without RA_DISPATCH_FLEET: exactly one host, by agent id, peer id or
   * unique name. With it: a target expression. */
  const char *target;
  int64_t timeout_ms;  /* each host's own limit; 0 = the host's default */
  int64_t deadline_ms; /* the whole call, relative; 0 = timeout_ms plus a margin */
} ra_dispatch_request_t;

typedef struct ra_dispatch_sink {
  uint32_t struct_size;
  void *user_data;
  /* [any] Partial output of one host (a JSON object, borrowed for the callback). `host` is the
   * host's display name. May be NULL. */
  void (*on_partial)(void *user_data, const char *host, const char *json, size_t len);
  /* [any] Exactly once when dispatch returned RA_OK: the result document (borrowed), see abi.md
   * "Dispatch results" [R60]. */
  void (*on_done)(void *user_data, const char *result_json, size_t len);
} ra_dispatch_sink_t;

/* ---- Files beneath the policy's roots (host->open_file), RA_SINCE(1, 1) ------------------------ */
enum {
  RA_OPEN_READ = 0,      /* O_RDONLY of a regular file (other types are refused: no FIFO, device) */
  RA_OPEN_DIRECTORY = 1, /* O_RDONLY | O_DIRECTORY, for listing and searching (fdopendir) */
  RA_OPEN_WRITE = 2,     /* O_WRONLY of a regular file; write policy (refused in plan) */
  /* Checks `path` with the write policy and returns an O_RDONLY | O_DIRECTORY descriptor of its
   * parent directory: create a temporary file with openat(dirfd, "<one component>",
   * O_CREAT | O_EXCL) and renameat() it into place — the atomic write. The final component of
   * `path` must be a name (not empty, "." or ".."). */
  RA_OPEN_PARENT_FOR_WRITE = 3,
  RA_OPEN_STAT = 4,          /* O_PATH: for fstat only, any file type; read policy */
  RA_OPEN_KIND_MASK = 0xff,  /* the kind is the low byte of `how` */
  RA_OPEN_CREATE = 1u << 8,  /* RA_OPEN_WRITE: create the file (mode_bits) when it does not exist */
  RA_OPEN_TRUNCATE = 1u << 9 /* RA_OPEN_WRITE: truncate an existing file */
};

/* ---- Events between processes (host->send_event, host->subscribe), RA_SINCE(1, 2) ------------ */
enum { RA_EVENT_MAX_BYTES = 65536 };

/* ---- The service table --------------------------------------------------------------------- */
struct ra_host {
  uint32_t struct_size;
  uint32_t abi_major;       /* RA_ABI_MAJOR of the host */
  uint32_t abi_minor;       /* the negotiated minor for this plugin */
  void *host_data;          /* the host's own; plugins must not touch it */
  const char *host_version; /* daemon version string */

  /* RA_SINCE(1, 0) */

  /* [any] Log one line. The host prefixes the plugin id; never pass secrets. */
  void (*log)(const ra_host_t *host, ra_log_level level, const char *message);

  /* [any] Ask the core for an additional policy check beyond what it did before invoke: may this
   * call use `permission` (ra_permission) on `resource` (a path or a command line)? RA_OK =
   * allowed; RA_PERMISSION_DENIED with the reason in reason_buf. Plugins may add checks, never
   * skip them [R32]. */
  ra_status (*authorize)(const ra_host_t *host, const ra_call_t *call, uint32_t permission, const char *resource,
                         char *reason_buf, size_t reason_cap);

  /* [any] Report progress: fraction in [0,1], or < 0 when unknown. `message` may be NULL. */
  void (*progress)(const ra_host_t *host, const ra_call_t *call, double fraction, const char *message);

  /* [any] Partial output of a running call (a JSON object, copied by the host). Returns
   * RA_RESOURCE_EXHAUSTED when the consumer is slow: the plugin should slow down. */
  ra_status (*emit)(const ra_host_t *host, const ra_call_t *call, const char *json, size_t len);

  /* [any] True once the call was cancelled (by the caller, a deadline or shutdown). */
  bool (*is_cancelled)(const ra_host_t *host, const ra_call_t *call);

  /* [any] Finish the call: EXACTLY ONCE per successfully invoked call [R42]. `result_json` is a
   * JSON object (copied); `message` is a human-readable error for non-OK statuses (may be NULL).
   * After complete returns, `call` is gone. */
  void (*complete)(const ra_host_t *host, ra_call_t *call, ra_status status, const char *result_json, size_t len,
                   const char *message);

  /* [any] Start a child process for `call` in the sandbox of the call's mode: no_new_privs, its
   * own process group, Landlock (plan: no filesystem writes; edit: writes only where the policy
   * allows). The host kills the whole group on timeout, on cancel and at shutdown. Events arrive
   * through `sink` (copied); when RA_OK is returned, sink->on_exit is called exactly once. */
  ra_status (*spawn)(const ra_host_t *host, const ra_call_t *call, const ra_spawn_spec_t *spec,
                     const ra_spawn_sink_t *sink, char *err_buf, size_t err_cap);

  /* [any] Run fn(user_data) on a host worker thread. */
  ra_status (*post_work)(const ra_host_t *host, void (*fn)(void *user_data), void *user_data);

  /* [any] This plugin's private state directory (created on demand), NUL-terminated into buf.
   * Returns the length of the path; when it is >= cap the buffer was too small. */
  size_t (*data_dir)(const ra_host_t *host, char *buf, size_t cap);

  /* [main] The plugin's tool list changed; the host re-reads it (MCP notifications/tools/list_changed). */
  void (*tools_changed)(const ra_host_t *host);

  /* [worker] Before overwriting `path` in edit mode: copy its current contents into the backup
   * store (with retention). Writes the backup's path into out_buf (may be NULL). RA_NOT_FOUND when
   * there is nothing to back up; RA_OK with an empty path when backups are off for this mode. */
  ra_status (*backup)(const ra_host_t *host, const ra_call_t *call, const char *path, char *out_buf, size_t out_cap);

  /* RA_SINCE(1, 1) — NULL when the negotiated minor is 0. Check with RA_HAS(host, ra_host_t, dispatch). */

  /* [any] Call `tool` on this host, one peer or a fleet (frontends, mapreduce, transfer). Every
   * call takes the normal path on the host that runs it: schema, policy, sandbox. On RA_OK,
   * *handle_out identifies the call and sink->on_done runs exactly once; otherwise err_buf says
   * why (RA_INVALID_ARGUMENT: bad target expression; RA_NOT_FOUND: no such host or no host
   * matches; RA_UNAVAILABLE: shutting down) and nothing is called. [R60–R62] */
  ra_status (*dispatch)(const ra_host_t *host, const ra_dispatch_request_t *request, const ra_dispatch_sink_t *sink,
                        uint64_t *handle_out, char *err_buf, size_t err_cap);

  /* RA_SINCE(1, 2): the two slots reserved in 1.0 got their types here (R13, same offset and
   * size). NULL when the negotiated minor is below 2: check with RA_HAS(host, ra_host_t, send_event). */

  /* [any] Send an event (a JSON object of at most RA_EVENT_MAX_BYTES) on `topic`
   * ([a-z0-9][a-z0-9._-]{0,63}) to the process at `to`: a call's reply_to, so a plugin tells
   * whoever asked for work when it ends. "local" delivers to this process's subscribers. An event
   * for a peer is sealed end to end and sent through the relay; while that peer is away (a
   * reconnect, a restart of this daemon) it is held for up to 10 minutes, then dropped. At most
   * once, in order per recipient. RA_OK: taken (not: delivered); RA_INVALID_ARGUMENT: bad topic,
   * JSON or address; RA_UNAVAILABLE: this process is shutting down. [R66] */
  ra_status (*send_event)(const ra_host_t *host, const char *to, const char *topic, const char *json, size_t len,
                          char *err_buf, size_t err_cap);
  /* [any] Receive the events whose topic starts with `topic_prefix` ("" = all) sent to this
   * process: fn(user_data, from_json, topic, json, len) on a host worker thread, all borrowed for
   * the callback. from_json is the sender as dispatch results name hosts
   * ({"agent_id","name","peer_id","local"}). One subscription per plugin; a later call replaces
   * it; fn NULL removes it. The host stops calling before the plugin's stop() returns. Events are
   * information from a room member: never act on them without the normal checks. [R67] */
  ra_status (*subscribe)(const ra_host_t *host, const char *topic_prefix,
                         void (*fn)(void *user_data, const char *from_json, const char *topic, const char *json,
                                    size_t len),
                         void *user_data);

  /* [any] Cancel a dispatched call: every host still running it kills the call's process groups;
   * on_done still runs (outcomes "cancelled"). Idempotent; unknown handles are ignored. */
  void (*dispatch_cancel)(const ra_host_t *host, uint64_t handle);

  /* [any] The catalogue: this host and every peer with their info and tools, as one JSON document
   * passed to fn (borrowed for the callback) before describe returns. See abi.md [R63]. */
  void (*describe)(const ra_host_t *host, void (*fn)(void *user_data, const char *json, size_t len), void *user_data);

  /* [any] Be told when the catalogue changes (a peer came or went, a mode or tool list changed):
   * fn(user_data, event) with event "hosts" or "tools", on any thread, possibly often — re-read
   * with describe. One watcher per plugin; a later call replaces it; fn NULL removes it. The
   * host stops calling before the plugin's stop() returns. */
  ra_status (*watch)(const ra_host_t *host, void (*fn)(void *user_data, const char *event), void *user_data);

  /* [worker] Open `path` for `call` the way the core allows it [R65]: the path is normalised
   * lexically (relative to the daemon's cwd; ".." is resolved in the string, never by the kernel),
   * checked against the path policy for the call's current mode (RA_OPEN_READ, _DIRECTORY, _STAT:
   * read policy; RA_OPEN_WRITE, _PARENT_FOR_WRITE: write policy, refused in plan and for tools of
   * permission class read), then opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
   * beneath the longest allowed root that contains it, so no symlink, "..", absolute link or
   * /proc magic link leads outside; the opened object's real path must not lie under a denied
   * path. `how` is one RA_OPEN_* kind, optionally or-ed with RA_OPEN_CREATE / RA_OPEN_TRUNCATE
   * (RA_OPEN_WRITE only); `mode_bits` (& 0777) is the mode of a file RA_OPEN_CREATE creates.
   * Returns a new O_CLOEXEC descriptor that the plugin owns and must close — the one way file
   * descriptors cross the boundary (R24). On failure returns -1, sets *status_out
   * (RA_PERMISSION_DENIED: policy, escape or file-system permission; RA_NOT_FOUND;
   * RA_INVALID_ARGUMENT; RA_FAILED_PRECONDITION: wrong file type; RA_CANCELLED: the call was
   * cancelled; RA_UNAVAILABLE: kernel without openat2) and writes the reason into err_buf.
   * status_out may be NULL. */
  int (*open_file)(const ra_host_t *host, const ra_call_t *call, const char *path, uint32_t how, uint32_t mode_bits,
                   ra_status *status_out, char *err_buf, size_t err_cap);

  /* RA_SINCE(1, 2): append below this line only. */
};

RA_END_DECLS

#endif /* REMOTE_AGENTS_HOST_H */
