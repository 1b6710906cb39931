// remote_agents/plugin.hpp — header-only C++20 convenience wrapper over the C ABI.
//
// Plugin authors derive from ra::plugin, list their tools, and export with RA_PLUGIN(...). The
// wrapper builds the C tables, turns exceptions into RA_INTERNAL at the boundary, completes calls
// exactly once (a dropped call completes itself with an error), and runs handlers on host worker
// threads unless a tool says it never blocks.
//
// Thread safety: ra::call is safe to use from any thread; complete() is guarded by an atomic flag.
// ra::plugin virtuals follow the thread tags of plugin.h (start/stop on main).
#ifndef REMOTE_AGENTS_PLUGIN_HPP
#define REMOTE_AGENTS_PLUGIN_HPP

#include <remote_agents/remote_agents.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ra {

// A borrowed view of the host table with typed helpers.
class host_ref {
 public:
  explicit host_ref(const ra_host_t *h) : h_(h) {}
  const ra_host_t *get() const { return h_; }
  uint32_t negotiated_minor() const { return h_->abi_minor; }

  void log(ra_log_level level, const std::string &message) const {
    if (h_->log) h_->log(h_, level, message.c_str());
  }
  void info(const std::string &m) const { log(RA_LOG_INFO, m); }
  void warn(const std::string &m) const { log(RA_LOG_WARN, m); }
  void error(const std::string &m) const { log(RA_LOG_ERROR, m); }

  std::string data_dir() const {
    if (!h_->data_dir) return {};
    std::string buf(256, '\0');
    size_t n = h_->data_dir(h_, buf.data(), buf.size());
    if (n >= buf.size()) {
      buf.assign(n + 1, '\0');
      n = h_->data_dir(h_, buf.data(), buf.size());
    }
    buf.resize(n < buf.size() ? n : 0);
    return buf;
  }

  // Runs fn on a host worker thread. Returns false when the host refused (shutting down).
  bool post_work(std::function<void()> fn) const {
    auto *boxed = new std::function<void()>(std::move(fn));
    ra_status s = h_->post_work(
        h_,
        [](void *ud) {
          std::unique_ptr<std::function<void()>> f(static_cast<std::function<void()> *>(ud));
          try {
            (*f)();
          } catch (...) {
          }
        },
        boxed);
    if (s != RA_OK) {
      delete boxed;
      return false;
    }
    return true;
  }

 private:
  const ra_host_t *h_;
};

// One tool call. Shared-owned so handlers can move it to threads and callbacks.
class call : public std::enable_shared_from_this<call> {
 public:
  call(const ra_host_t *host, ra_call_t *c) : host_(host), c_(c) {}
  call(const call &) = delete;
  call &operator=(const call &) = delete;
  ~call() {
    if (!done_.load()) complete(RA_INTERNAL, "{}", "plugin dropped the call without completing it");
  }

  std::string_view tool() const { return c_->tool; }
  std::string_view args_json() const { return {c_->args_json, c_->args_len}; }
  std::string_view caller() const { return c_->caller ? c_->caller : ""; }
  // Where events about this call go (host->send_event); "" from a host older than ABI 1.2.
  std::string_view reply_to() const {
    return RA_HAS_FIELD(c_, ra_call_t, reply_to) && c_->reply_to ? c_->reply_to : "";
  }
  ra_mode mode() const { return static_cast<ra_mode>(c_->mode); }
  int64_t deadline_ms() const { return c_->deadline_ms; }
  ra_call_t *raw() const { return c_; }
  const ra_host_t *host() const { return host_; }
  bool completed() const { return done_.load(); }

  bool cancelled() const { return host_->is_cancelled && host_->is_cancelled(host_, c_); }
  void progress(double fraction, const std::string &message = {}) const {
    if (host_->progress) host_->progress(host_, c_, fraction, message.empty() ? nullptr : message.c_str());
  }
  ra_status emit(std::string_view json) const {
    return host_->emit ? host_->emit(host_, c_, json.data(), json.size()) : RA_UNIMPLEMENTED;
  }
  // Extra policy check (worker threads only). Returns an empty string when allowed, else the reason.
  std::string authorize(ra_permission permission, const std::string &resource) const {
    char reason[512] = {0};
    ra_status s = host_->authorize(host_, c_, permission, resource.c_str(), reason, sizeof reason);
    if (s == RA_OK) return {};
    return reason[0] ? std::string(reason) : std::string(ra_status_name(s));
  }

  // Exactly once; later calls are ignored. Returns false when the call was already completed.
  bool complete(ra_status status, std::string_view result_json = "{}", const char *message = nullptr) {
    if (done_.exchange(true)) return false;
    std::string copy(result_json);  // NUL-terminated for the host
    host_->complete(host_, c_, status, copy.c_str(), copy.size(), message);
    return true;
  }
  bool ok(std::string_view result_json) { return complete(RA_OK, result_json, nullptr); }
  bool fail(ra_status status, const std::string &message) { return complete(status, "{}", message.c_str()); }

  // Starts a sandboxed child for this call. on_exit runs exactly once when RA_OK is returned.
  ra_status spawn(const ra_spawn_spec_t &spec, std::function<void(int stream, std::string_view data)> on_output,
                  std::function<void(const ra_spawn_result_t &)> on_exit, std::string *error = nullptr) {
    struct box {
      std::shared_ptr<call> keep;
      std::function<void(int, std::string_view)> out;
      std::function<void(const ra_spawn_result_t &)> exit;
    };
    auto *b = new box{shared_from_this(), std::move(on_output), std::move(on_exit)};
    ra_spawn_sink_t sink{};
    sink.struct_size = sizeof sink;
    sink.user_data = b;
    sink.on_output = [](void *ud, int stream, const char *data, size_t len) {
      auto *bx = static_cast<box *>(ud);
      if (bx->out) {
        try {
          bx->out(stream, std::string_view(data, len));
        } catch (...) {
        }
      }
    };
    sink.on_exit = [](void *ud, const ra_spawn_result_t *r) {
      std::unique_ptr<box> bx(static_cast<box *>(ud));
      try {
        if (bx->exit) bx->exit(*r);
      } catch (...) {
        bx->keep->complete(RA_INTERNAL, "{}", "exception in spawn exit handler");
      }
    };
    char err[512] = {0};
    ra_status s = host_->spawn(host_, c_, &spec, &sink, err, sizeof err);
    if (s != RA_OK) {
      delete b;
      if (error) *error = err;
    }
    return s;
  }

 private:
  const ra_host_t *host_;
  ra_call_t *c_;
  std::atomic<bool> done_{false};
};
using call_ptr = std::shared_ptr<call>;

// Builds NULL-terminated string lists that stay alive with the tool.
class name_list {
 public:
  name_list() = default;
  name_list(std::initializer_list<const char *> names) : v_(names) { v_.push_back(nullptr); }
  const char *const *get() const { return v_.empty() ? nullptr : v_.data(); }

 private:
  std::vector<const char *> v_;
};

struct tool {
  const char *name = nullptr;
  const char *title = nullptr;
  const char *description = nullptr;
  const char *input_schema = nullptr;
  const char *output_schema = nullptr;
  uint32_t hints = 0;
  ra_permission permission = RA_PERM_READ;
  name_list read_path_args;
  name_list write_path_args;
  name_list command_args;
  // Runs on a host worker thread by default (may block). With never_blocks = true it runs inside
  // invoke() on the main strand and must only start asynchronous work (e.g. call::spawn).
  std::function<void(call_ptr)> handler;
  bool never_blocks = false;
};

class plugin {
 public:
  explicit plugin(const ra_host_t *host) : host_(host) {}
  virtual ~plugin() = default;
  // [main] Called once after construction; the returned list is fixed until tools_changed().
  virtual std::vector<tool> define_tools() = 0;
  virtual ra_status start() noexcept { return RA_OK; }
  virtual void stop() noexcept {}
  // [any] A call was cancelled; processes it spawned are killed by the host already.
  virtual void on_cancel(ra_call_t *) noexcept {}
  const host_ref &host() const { return host_; }

 protected:
  host_ref host_;
};

namespace detail {

inline void write_err(char *buf, size_t cap, const char *msg) {
  if (buf && cap) std::snprintf(buf, cap, "%s", msg);
}

template <class P>
struct instance_box {
  ra_instance_t inst{};
  std::unique_ptr<P> plugin;
  std::vector<tool> tools;
  std::vector<ra_tool_desc_t> descs;
};

template <class P>
instance_box<P> *box_of(const ra_instance_t *i) {
  return static_cast<instance_box<P> *>(i->plugin_data);
}

template <class P>
ra_instance_t *create(const ra_host_t *host, uint32_t, const char *config_json, size_t config_len, char *err_buf,
                      size_t err_cap) {
  try {
    auto box = std::make_unique<instance_box<P>>();
    box->plugin =
        std::make_unique<P>(host, std::string_view(config_json ? config_json : "{}", config_json ? config_len : 2));
    box->tools = box->plugin->define_tools();
    for (const auto &t : box->tools) {
      ra_tool_desc_t d{};
      d.struct_size = sizeof d;
      d.name = t.name;
      d.title = t.title;
      d.description = t.description;
      d.input_schema = t.input_schema;
      d.output_schema = t.output_schema;
      d.hints = t.hints;
      d.permission = static_cast<uint32_t>(t.permission);
      d.read_path_args = t.read_path_args.get();
      d.write_path_args = t.write_path_args.get();
      d.command_args = t.command_args.get();
      box->descs.push_back(d);
    }
    ra_instance_t &i = box->inst;
    i.struct_size = sizeof i;
    i.plugin_data = box.get();
    i.start = [](ra_instance_t *self) -> ra_status {
      try {
        return box_of<P>(self)->plugin->start();
      } catch (...) {
        return RA_INTERNAL;
      }
    };
    i.stop = [](ra_instance_t *self) {
      try {
        box_of<P>(self)->plugin->stop();
      } catch (...) {
      }
    };
    i.destroy = [](ra_instance_t *self) { delete box_of<P>(self); };
    i.tool_count = [](const ra_instance_t *self) -> uint32_t {
      return static_cast<uint32_t>(box_of<P>(self)->descs.size());
    };
    i.tool_get = [](const ra_instance_t *self, uint32_t idx) -> const ra_tool_desc_t * {
      auto *b = box_of<P>(self);
      return idx < b->descs.size() ? &b->descs[idx] : nullptr;
    };
    i.invoke = [](ra_instance_t *self, ra_call_t *c) -> ra_status {
      auto *b = box_of<P>(self);
      const tool *t = nullptr;
      for (const auto &cand : b->tools)
        if (std::strcmp(cand.name, c->tool) == 0) t = &cand;
      if (!t || !t->handler) return RA_NOT_FOUND;
      // Exceptions never cross the C ABI (R24). Until a call object exists nothing was completed,
      // so failing before that returns a status and the host completes the call (R42).
      std::shared_ptr<call> cp;
      try {
        cp = std::make_shared<call>(b->plugin->host().get(), c);
      } catch (...) {
        return RA_RESOURCE_EXHAUSTED;
      }
      try {
        if (t->never_blocks) {
          t->handler(cp);
          return RA_OK;
        }
        auto handler = t->handler;
        bool posted = b->plugin->host().post_work([handler, cp] {
          try {
            handler(cp);
          } catch (const std::exception &e) {
            cp->fail(RA_INTERNAL, e.what());
          } catch (...) {
            cp->fail(RA_INTERNAL, "unknown exception in tool handler");
          }
        });
        if (!posted) cp->fail(RA_UNAVAILABLE, "host is shutting down");
        return RA_OK;
      } catch (const std::exception &e) {
        cp->fail(RA_INTERNAL, e.what());
        return RA_OK;
      } catch (...) {
        cp->fail(RA_INTERNAL, "unknown exception in tool handler");
        return RA_OK;
      }
    };
    i.cancel = [](ra_instance_t *self, ra_call_t *c) { box_of<P>(self)->plugin->on_cancel(c); };
    i.get_extension = [](const ra_instance_t *, const char *) -> const void * { return nullptr; };
    return &box.release()->inst;
  } catch (const std::exception &e) {
    write_err(err_buf, err_cap, e.what());
  } catch (...) {
    write_err(err_buf, err_cap, "unknown exception while creating the plugin");
  }
  return nullptr;
}

}  // namespace detail
}  // namespace ra

// Defines the plugin's entry. `token` is a C identifier unique to the plugin; it names the
// per-plugin symbol ra_plugin_entry__<token> used by static builds. Shared builds also export
// ra_plugin_entry, which the loader looks up (define RA_STATIC_PLUGIN to omit it).
// PluginClass must be constructible from (const ra_host_t *, std::string_view config_json).
#define RA_PLUGIN_INFO_(token, id, name, version, description) \
  static const ra_plugin_info_t ra_plugin_info__##token = {    \
      sizeof(ra_plugin_info_t), id, name, version, description, nullptr, nullptr, nullptr};
#ifdef RA_STATIC_PLUGIN
#define RA_PLUGIN_GENERIC_ENTRY_(token, PluginClass)
#else
#define RA_PLUGIN_GENERIC_ENTRY_(token, PluginClass)                                                                   \
  extern "C" RA_EXPORT const ra_plugin_entry_t ra_plugin_entry = {RA_ABI_MAJOR, RA_ABI_MINOR,                          \
                                                                  sizeof(ra_plugin_entry_t), &ra_plugin_info__##token, \
                                                                  &ra::detail::create<PluginClass>};
#endif
#define RA_PLUGIN(token, PluginClass, id, name, version, description)                  \
  RA_PLUGIN_INFO_(token, id, name, version, description)                               \
  extern "C" RA_EXPORT const ra_plugin_entry_t ra_plugin_entry__##token = {            \
      RA_ABI_MAJOR, RA_ABI_MINOR, sizeof(ra_plugin_entry_t), &ra_plugin_info__##token, \
      &ra::detail::create<PluginClass>};                                               \
  RA_PLUGIN_GENERIC_ENTRY_(token, PluginClass)

#endif  // REMOTE_AGENTS_PLUGIN_HPP
