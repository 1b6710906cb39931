#include "plugin_host/host_services.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <system_error>

namespace ra::plugin_host {
namespace {

plugin_host_table &self(const ra_host_t *h) { return *static_cast<plugin_host_table *>(h->host_data); }

void write_buf(char *buf, size_t cap, std::string_view text) {
  if (!buf || cap == 0) return;
  size_t n = text.size() < cap - 1 ? text.size() : cap - 1;
  if (n) std::memcpy(buf, text.data(), n);  // an empty view may have a null data()
  buf[n] = '\0';
}

// A plugin broke a rule of the ABI: say so loudly, once per event, and carry on.
void misbehaving(const ra_host_t *h, std::string_view what) {
  spdlog::error("plugin '{}' misbehaving: {}", self(h).plugin_id(), what);
}

// The call a plugin names, if it is a live call of *this* plugin. Calls are looked up by address in
// the tracker (never dereferenced first); another plugin's call, a completed call or a stale
// pointer is refused and logged.
std::shared_ptr<call_context> lookup(const ra_host_t *h, const ra_call_t *call, const char *what) {
  auto ctx = self(h).env().calls->find(call);
  if (!ctx || ctx->completed.load() || !ctx->tool || ctx->tool->provider != self(h).plugin_id()) {
    misbehaving(h, std::string(what) + " on an unknown, completed or foreign call");
    return nullptr;
  }
  return ctx;
}

// Exceptions must not cross the C ABI: every entry point below catches at its edge.
#define RA_HOST_GUARD_BEGIN try {
#define RA_HOST_GUARD_END(fallback)                                                          \
  }                                                                                          \
  catch (const std::exception &e) {                                                          \
    spdlog::error("host service failed for plugin '{}': {}", self(h).plugin_id(), e.what()); \
    return fallback;                                                                         \
  }                                                                                          \
  catch (...) {                                                                              \
    spdlog::error("host service failed for plugin '{}'", self(h).plugin_id());               \
    return fallback;                                                                         \
  }

void host_log(const ra_host_t *h, ra_log_level level, const char *message) {
  if (!message) return;
  auto lvl = spdlog::level::info;
  switch (level) {
    case RA_LOG_TRACE:
      lvl = spdlog::level::trace;
      break;
    case RA_LOG_DEBUG:
      lvl = spdlog::level::debug;
      break;
    case RA_LOG_INFO:
      lvl = spdlog::level::info;
      break;
    case RA_LOG_WARN:
      lvl = spdlog::level::warn;
      break;
    default:
      lvl = spdlog::level::err;
      break;
  }
  spdlog::log(lvl, "[{}] {}", self(h).plugin_id(), message);
}

ra_status host_authorize(const ra_host_t *h, const ra_call_t *call, uint32_t permission, const char *resource,
                         char *reason_buf, size_t reason_cap) {
  RA_HOST_GUARD_BEGIN
  auto ctx = lookup(h, call, "authorize");
  if (!ctx) {
    write_buf(reason_buf, reason_cap, "unknown call");
    return RA_INVALID_ARGUMENT;
  }
  if (!resource) {
    write_buf(reason_buf, reason_cap, "authorize needs a resource (a path or a command line)");
    return RA_INVALID_ARGUMENT;
  }
  auto d = self(h).env().authorize(*ctx, static_cast<ra_permission>(permission), resource);
  if (d.allowed) return RA_OK;
  write_buf(reason_buf, reason_cap, d.reason);
  return RA_PERMISSION_DENIED;
  RA_HOST_GUARD_END(RA_INTERNAL)
}

void host_progress(const ra_host_t *h, const ra_call_t *call, double fraction, const char *message) {
  RA_HOST_GUARD_BEGIN
  auto ctx = lookup(h, call, "progress");
  if (ctx && ctx->on_progress) ctx->on_progress(fraction, message ? message : "");
  RA_HOST_GUARD_END()
}

ra_status host_emit(const ra_host_t *h, const ra_call_t *call, const char *json, size_t len) {
  RA_HOST_GUARD_BEGIN
  auto ctx = lookup(h, call, "emit");
  if (!ctx || !json) return RA_INVALID_ARGUMENT;
  if (ctx->on_emit) ctx->on_emit(std::string_view(json, len));
  return RA_OK;
  RA_HOST_GUARD_END(RA_INTERNAL)
}

bool host_is_cancelled(const ra_host_t *h, const ra_call_t *call) {
  RA_HOST_GUARD_BEGIN
  auto ctx = self(h).env().calls->find(call);
  return !ctx || ctx->cancelled.load() || ctx->completed.load();
  RA_HOST_GUARD_END(true)
}

void host_complete(const ra_host_t *h, ra_call_t *call, ra_status status, const char *result_json, size_t len,
                   const char *message) {
  RA_HOST_GUARD_BEGIN
  if (!lookup(h, call, "complete")) return;
  call_result r;
  r.status = status;
  r.result_json = result_json && len ? std::string(result_json, len) : "{}";
  r.message = message ? message : "";
  if (!self(h).env().calls->complete(call, std::move(r)))
    misbehaving(h, "complete on an already completed call (ignored)");
  RA_HOST_GUARD_END()
}

// The command line the policy checks for a spawn: the caller's environment assignments first, so
// `LD_PRELOAD=…`/`PATH=…` given through spec->env are judged exactly as if written on the line.
std::string checked_command_line(const sandbox::spawn_request &req) {
  std::string line;
  for (const auto &kv : req.extra_env) {
    auto eq = kv.find('=');
    // NAME='value': quoting only the value keeps it an assignment to the shell's eyes.
    line += eq == std::string::npos ? quote_word(kv) : kv.substr(0, eq + 1) + quote_word(kv.substr(eq + 1));
    line += " ";
  }
  return line + command_line_of(req.argv);
}

ra_status host_spawn(const ra_host_t *h, const ra_call_t *call, const ra_spawn_spec_t *spec,
                     const ra_spawn_sink_t *sink, char *err_buf, size_t err_cap) {
  RA_HOST_GUARD_BEGIN
  host_env &env = self(h).env();
  auto ctx = lookup(h, call, "spawn");
  if (!ctx) {
    write_buf(err_buf, err_cap, "unknown call");
    return RA_INVALID_ARGUMENT;
  }
  if (!spec || spec->struct_size < offsetof(ra_spawn_spec_t, max_output) + sizeof(spec->max_output) || !spec->argv ||
      !spec->argv[0] || !sink || sink->struct_size < offsetof(ra_spawn_sink_t, on_exit) + sizeof(sink->on_exit) ||
      !sink->on_exit) {
    write_buf(err_buf, err_cap, "spawn: malformed spec or sink");
    return RA_INVALID_ARGUMENT;
  }
  if (ctx->cancelled.load()) {
    write_buf(err_buf, err_cap, "call was cancelled");
    return RA_CANCELLED;
  }
  sandbox::spawn_request req;
  for (size_t i = 0; spec->argv[i]; ++i) req.argv.emplace_back(spec->argv[i]);
  if (spec->env)
    for (size_t i = 0; spec->env[i]; ++i) req.extra_env.emplace_back(spec->env[i]);
  if (spec->cwd) req.cwd = spec->cwd;
  if (spec->stdin_data) {
    req.has_stdin = true;
    req.stdin_data.assign(spec->stdin_data, spec->stdin_len);
  }
  req.timeout_ms = spec->timeout_ms > 0 ? spec->timeout_ms : 0;
  req.max_output = spec->max_output ? spec->max_output : env.default_max_output;

  // The core checks every command line a plugin runs (environment included) and its working
  // directory, whatever the plugin checked itself, under the stricter of the call's mode and the
  // host's mode now (an operator who lowered the mode is obeyed by calls already running).
  policy::mode mode = env.effective_mode(ctx->mode);
  // An exec_sandboxed tool's children are judged by its own rule (R36); everything else as exec.
  const ra_permission class_of_child =
      ctx->tool && ctx->tool->permission == RA_PERM_EXEC_SANDBOXED ? RA_PERM_EXEC_SANDBOXED : RA_PERM_EXEC;
  auto d = env.authorize(*ctx, class_of_child, checked_command_line(req));
  if (d.allowed && !req.cwd.empty()) d = env.authorize(*ctx, RA_PERM_READ, req.cwd);
  if (!d.allowed) {
    write_buf(err_buf, err_cap, d.reason);
    return RA_PERMISSION_DENIED;
  }
  req.profile = env.sandbox_profile(mode);
  req.profile.require_kernel_sandbox = class_of_child == RA_PERM_EXEC_SANDBOXED && mode == policy::mode::plan;

  ra_spawn_sink_t s = *sink;
  req.on_output = [s](int stream, std::string_view data) {
    if (s.on_output) s.on_output(s.user_data, stream, data.data(), data.size());
  };
  req.on_exit = [s](const sandbox::spawn_result &r) {
    ra_spawn_result_t out{};
    out.struct_size = sizeof out;
    out.status = RA_OK;
    out.exit_code = r.exit_code;
    out.term_signal = r.term_signal;
    out.timed_out = r.timed_out;
    out.cancelled = r.cancelled;
    out.stdout_truncated = r.stdout_truncated;
    out.stderr_truncated = r.stderr_truncated;
    out.stdout_bytes = r.stdout_bytes;
    out.stderr_bytes = r.stderr_bytes;
    out.duration_ms = r.duration_ms;
    out.sandboxed = r.sandboxed;
    s.on_exit(s.user_data, &out);
  };
  auto proc = env.spawner->spawn(std::move(req));
  if (!proc) {
    write_buf(err_buf, err_cap, proc.error().message());
    return proc.error().code();
  }
  {
    std::lock_guard lock(ctx->mu);
    ctx->processes.push_back(*proc);
  }
  // Cancelled between the check above and now: make sure the new group dies too.
  if (ctx->cancelled.load() || ctx->completed.load()) sandbox::process_supervisor::cancel(*proc);
  return RA_OK;
  RA_HOST_GUARD_END(RA_INTERNAL)
}

ra_status host_post_work(const ra_host_t *h, void (*fn)(void *), void *ud) {
  RA_HOST_GUARD_BEGIN
  if (!fn) return RA_INVALID_ARGUMENT;
  return self(h).env().post_work([fn, ud] { fn(ud); }) ? RA_OK : RA_UNAVAILABLE;
  RA_HOST_GUARD_END(RA_INTERNAL)
}

size_t host_data_dir(const ra_host_t *h, char *buf, size_t cap) {
  RA_HOST_GUARD_BEGIN
  auto dir = self(h).env().plugin_data_root / self(h).plugin_id();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!ec) std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  std::string p = dir.string();
  write_buf(buf, cap, p);
  return p.size();
  RA_HOST_GUARD_END(0)
}

void host_tools_changed(const ra_host_t *h) {
  RA_HOST_GUARD_BEGIN
  if (self(h).env().tools_changed) self(h).env().tools_changed(self(h).plugin_id());
  RA_HOST_GUARD_END()
}

ra_status host_backup(const ra_host_t *h, const ra_call_t *call, const char *path, char *out_buf, size_t out_cap) {
  RA_HOST_GUARD_BEGIN
  auto ctx = lookup(h, call, "backup");
  if (!ctx || !path) return RA_INVALID_ARGUMENT;
  auto r = self(h).env().backup(*ctx, path);
  if (!r) {
    write_buf(out_buf, out_cap, r.error().message());
    return r.error().code();
  }
  write_buf(out_buf, out_cap, *r);
  return RA_OK;
  RA_HOST_GUARD_END(RA_INTERNAL)
}

ra_status host_dispatch(const ra_host_t *h, const ra_dispatch_request_t *req, const ra_dispatch_sink_t *sink,
                        uint64_t *handle_out, char *err_buf, size_t err_cap) {
  RA_HOST_GUARD_BEGIN
  frontend_bridge *bridge = self(h).env().bridge;
  if (!bridge) {
    write_buf(err_buf, err_cap, "this host offers no dispatch (not wired in)");
    return RA_UNAVAILABLE;
  }
  if (!req || !sink || !req->tool || !sink->on_done || req->struct_size < sizeof(uint32_t) * 2 ||
      sink->struct_size < sizeof(ra_dispatch_sink_t)) {
    write_buf(err_buf, err_cap, "dispatch: request, sink, tool and on_done are required");
    return RA_INVALID_ARGUMENT;
  }
  frontend_bridge::request r;
  r.tool = req->tool;
  if (req->args_json) r.args_json.assign(req->args_json, req->args_len);
  if (req->target) r.target = req->target;
  r.fleet = (req->flags & RA_DISPATCH_FLEET) != 0;
  r.timeout_ms = req->timeout_ms;
  r.deadline_ms = req->deadline_ms;
  ra_dispatch_sink_t s = *sink;  // copied: the caller's struct is borrowed for this call only
  frontend_bridge::partial_fn partial;
  if (s.on_partial)
    partial = [s](std::string_view host, std::string_view json) {
      std::string hs(host), js(json);  // NUL-terminated for the C side
      s.on_partial(s.user_data, hs.c_str(), js.c_str(), js.size());
    };
  auto done = [s](std::string_view json) {
    std::string js(json);
    s.on_done(s.user_data, js.c_str(), js.size());
  };
  auto handle = bridge->dispatch(std::move(r), std::move(partial), std::move(done));
  if (!handle) {
    write_buf(err_buf, err_cap, handle.error().message());
    return handle.error().code();
  }
  if (handle_out) *handle_out = *handle;
  return RA_OK;
  RA_HOST_GUARD_END(RA_INTERNAL)
}

void host_dispatch_cancel(const ra_host_t *h, uint64_t handle) {
  RA_HOST_GUARD_BEGIN
  if (auto *bridge = self(h).env().bridge) bridge->cancel(handle);
  RA_HOST_GUARD_END()
}

void host_describe(const ra_host_t *h, void (*fn)(void *, const char *, size_t), void *user_data) {
  RA_HOST_GUARD_BEGIN
  if (!fn) return;
  auto *bridge = self(h).env().bridge;
  std::string doc = bridge ? bridge->describe()
                           : std::string(R"({"self":null,"relay":{"configured":false,"joined":false},"peers":[]})");
  fn(user_data, doc.c_str(), doc.size());
  RA_HOST_GUARD_END()
}

ra_status host_watch(const ra_host_t *h, void (*fn)(void *, const char *), void *user_data) {
  RA_HOST_GUARD_BEGIN
  auto *bridge = self(h).env().bridge;
  if (!bridge) return RA_UNAVAILABLE;
  if (!fn) {
    bridge->watch(self(h).plugin_id(), {});
    return RA_OK;
  }
  bridge->watch(self(h).plugin_id(), [fn, user_data](std::string_view event) {
    std::string e(event);
    fn(user_data, e.c_str());
  });
  return RA_OK;
  RA_HOST_GUARD_END(RA_INTERNAL)
}

ra_status host_send_event(const ra_host_t *h, const char *to, const char *topic, const char *json, size_t len,
                          char *err_buf, size_t err_cap) {
  RA_HOST_GUARD_BEGIN
  auto *bridge = self(h).env().bridge;
  if (!bridge) {
    write_buf(err_buf, err_cap, "this host offers no events (not wired in)");
    return RA_UNAVAILABLE;
  }
  if (!to || !topic || (!json && len)) {
    write_buf(err_buf, err_cap, "send_event needs an address, a topic and a body");
    return RA_INVALID_ARGUMENT;
  }
  auto st = bridge->send_event(to, topic, json ? std::string_view(json, len) : std::string_view("{}"));
  write_buf(err_buf, err_cap, st ? std::string_view() : std::string_view(st.message()));
  return st ? RA_OK : st.code();
  RA_HOST_GUARD_END(RA_INTERNAL)
}

ra_status host_subscribe(const ra_host_t *h, const char *topic_prefix,
                         void (*fn)(void *, const char *, const char *, const char *, size_t), void *user_data) {
  RA_HOST_GUARD_BEGIN
  auto *bridge = self(h).env().bridge;
  if (!bridge) return RA_UNAVAILABLE;
  if (!fn) {
    bridge->subscribe(self(h).plugin_id(), "", {});
    return RA_OK;
  }
  bridge->subscribe(self(h).plugin_id(), topic_prefix ? topic_prefix : "",
                    [fn, user_data](std::string_view from, std::string_view topic, std::string_view json) {
                      std::string f(from), t(topic), j(json);  // NUL-terminated copies (R23)
                      fn(user_data, f.c_str(), t.c_str(), j.c_str(), j.size());
                    });
  return RA_OK;
  RA_HOST_GUARD_END(RA_INTERNAL)
}

int host_open_file(const ra_host_t *h, const ra_call_t *call, const char *path, uint32_t how, uint32_t mode_bits,
                   ra_status *status_out, char *err_buf, size_t err_cap) {
  auto fail = [&](ra_status s, std::string_view why) {
    if (status_out) *status_out = s;
    write_buf(err_buf, err_cap, why);
    return -1;
  };
  if (status_out) *status_out = RA_INTERNAL;  // what the guard's fallback leaves
  write_buf(err_buf, err_cap, "open_file failed");
  RA_HOST_GUARD_BEGIN
  auto ctx = lookup(h, call, "open_file");
  if (!ctx) return fail(RA_INVALID_ARGUMENT, "unknown call");
  if (!path) return fail(RA_INVALID_ARGUMENT, "open_file needs a path");
  const uint32_t kind = how & RA_OPEN_KIND_MASK, flags = how & ~static_cast<uint32_t>(RA_OPEN_KIND_MASK);
  if (kind > RA_OPEN_STAT) return fail(RA_INVALID_ARGUMENT, "open_file: unknown kind " + std::to_string(kind));
  if ((flags & ~static_cast<uint32_t>(RA_OPEN_CREATE | RA_OPEN_TRUNCATE)) != 0 || (flags != 0 && kind != RA_OPEN_WRITE))
    return fail(RA_INVALID_ARGUMENT, "open_file: RA_OPEN_CREATE and RA_OPEN_TRUNCATE go with RA_OPEN_WRITE only");
  // A tool advertised as read-only (allowed in plan, readOnlyHint) never writes, whatever the mode.
  if ((kind == RA_OPEN_WRITE || kind == RA_OPEN_PARENT_FOR_WRITE) && ctx->tool->permission == RA_PERM_READ)
    return fail(RA_PERMISSION_DENIED,
                "tool '" + ctx->tool_name + "' has permission class read: it may not open files for writing");
  if (ctx->cancelled.load()) return fail(RA_CANCELLED, "call was cancelled");
  auto &open = self(h).env().open_file;
  if (!open) return fail(RA_UNAVAILABLE, "this host offers no open_file (not wired in)");
  auto fd = open(*ctx, path, how, mode_bits);
  if (!fd) return fail(fd.error().code(), fd.error().message());
  if (status_out) *status_out = RA_OK;
  write_buf(err_buf, err_cap, "");
  return *fd;
  RA_HOST_GUARD_END(-1)
}

}  // namespace

plugin_host_table::plugin_host_table(std::string plugin_id, uint32_t negotiated_minor, host_env *env)
    : id_(std::move(plugin_id)), env_(env) {
  table_.struct_size = sizeof table_;
  table_.abi_major = RA_ABI_MAJOR;
  table_.abi_minor = negotiated_minor;
  table_.host_data = this;
  table_.host_version = env_->host_version.c_str();
  table_.log = host_log;
  table_.authorize = host_authorize;
  table_.progress = host_progress;
  table_.emit = host_emit;
  table_.is_cancelled = host_is_cancelled;
  table_.complete = host_complete;
  table_.spawn = host_spawn;
  table_.post_work = host_post_work;
  table_.data_dir = host_data_dir;
  table_.tools_changed = host_tools_changed;
  table_.backup = host_backup;
  if (negotiated_minor >= 1) {  // a 1.0 plugin gets a 1.0 table: the new slots stay NULL
    table_.dispatch = host_dispatch;
    table_.dispatch_cancel = host_dispatch_cancel;
    table_.describe = host_describe;
    table_.watch = host_watch;
    table_.open_file = host_open_file;
  }
  if (negotiated_minor >= 2) {  // the slots reserved in 1.0 (R13)
    table_.send_event = host_send_event;
    table_.subscribe = host_subscribe;
  }
}

std::string quote_word(const std::string &a) {
  if (a.empty()) return "''";
  bool plain = a.find_first_of(" \t\n'\"\\$`|;&<>(){}*?[]~#!") == std::string::npos;
  if (plain) return a;
  std::string out = "'";
  for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string command_line_of(const std::vector<std::string> &argv) {
  // "<shell> -c X" is judged as X — but only for a shell named by an absolute path in a system
  // directory, so neither a lookalike ./sh nor a PATH lookup can smuggle a different program.
  if (argv.size() == 3 && argv[1] == "-c") {
    static const char *const shells[] = {"/bin/sh",       "/bin/bash",     "/bin/dash", "/usr/bin/sh",
                                         "/usr/bin/bash", "/usr/bin/dash", "/bin/zsh",  "/usr/bin/zsh"};
    for (const char *sh : shells)
      if (argv[0] == sh) return argv[2];
  }
  std::string out;
  for (const auto &a : argv) out += (out.empty() ? "" : " ") + quote_word(a);
  return out;
}

}  // namespace ra::plugin_host
