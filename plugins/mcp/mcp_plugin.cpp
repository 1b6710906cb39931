// mcp_plugin.cpp — ABI glue of the mcp plugin: a frontend (ABI 1.1 `ra.frontend/1`) with no tools
// of its own. `remote-agents mcp` hands it stdin/stdout through serve(); every MCP tool call goes
// back into the host through host->dispatch, so the host's schema check, policy gate and sandbox
// apply on whichever host runs it. Written against the C ABI directly (not plugin.hpp) because a
// frontend needs get_extension and the 1.1 host slots, which the tool-plugin wrapper does not
// model.
//
// Config ([plugins.mcp.config]): profile = "minimal" | "standard" | "full" (default standard);
// heartbeat_ms (default 10000, at most 15000); handle_after_ms (default 50000, 0 = never hand out
// op handles); max_message_bytes (default 64 MiB).
#include <remote_agents/remote_agents.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>

#include "host_api.hpp"
#include "server.hpp"

namespace {

using namespace ra::mcp;

// host_api over the C host table. Dispatch sinks are looked up by a token rather than pointing at
// a heap object, so a late callback (after on_done) finds nothing instead of freed memory.
class c_host_api final : public host_api {
 public:
  explicit c_host_api(const ra_host_t *h) : h_(h) {}

  dispatch_start dispatch(const dispatch_request &req, dispatch_callbacks cb) override {
    uint64_t token;
    {
      std::lock_guard lock(sinks_mu());
      token = next_token()++;
      sinks()[token] = std::make_shared<dispatch_callbacks>(std::move(cb));
    }
    ra_dispatch_request_t r{};
    r.struct_size = sizeof r;
    r.flags = req.fleet ? RA_DISPATCH_FLEET : 0;
    r.tool = req.tool.c_str();
    r.args_json = req.args_json.c_str();
    r.args_len = req.args_json.size();
    r.target = req.target.empty() ? nullptr : req.target.c_str();
    r.timeout_ms = req.timeout_ms;
    ra_dispatch_sink_t s{};
    s.struct_size = sizeof s;
    s.user_data = reinterpret_cast<void *>(static_cast<uintptr_t>(token));
    s.on_partial = &on_partial;
    s.on_done = &on_done;
    char err[1024] = "";
    dispatch_start out;
    out.status = h_->dispatch(h_, &r, &s, &out.handle, err, sizeof err);
    if (out.status != RA_OK) {
      out.error = err[0] ? err : ra_status_name(out.status);
      std::lock_guard lock(sinks_mu());
      sinks().erase(token);
    }
    return out;
  }

  void cancel(uint64_t handle) override { h_->dispatch_cancel(h_, handle); }

  std::string describe() override {
    std::string out;
    h_->describe(
        h_, [](void *ud, const char *json, size_t len) { static_cast<std::string *>(ud)->assign(json, len); }, &out);
    return out;
  }

  void watch(std::function<void(std::string_view)> fn) override {
    bool on = static_cast<bool>(fn);
    {
      std::lock_guard lock(watch_mu_);
      watcher_ = std::move(fn);
    }
    if (on)
      h_->watch(h_, &on_event, this);
    else
      h_->watch(h_, nullptr, nullptr);
  }

  void log(ra_log_level level, const std::string &message) override { h_->log(h_, level, message.c_str()); }

  bool subscribe_events(event_fn fn) override {
    if (!RA_HAS(h_, ra_host_t, subscribe)) return false;
    bool on = static_cast<bool>(fn);
    if (!on) h_->subscribe(h_, nullptr, nullptr, nullptr);  // waits for a running callback first
    {
      std::lock_guard lock(watch_mu_);
      event_fn_ = std::move(fn);
    }
    if (on) return h_->subscribe(h_, "", &on_host_event, this) == RA_OK;
    return true;
  }

 private:
  static std::mutex &sinks_mu() {
    static std::mutex m;
    return m;
  }
  static std::map<uint64_t, std::shared_ptr<dispatch_callbacks>> &sinks() {
    static std::map<uint64_t, std::shared_ptr<dispatch_callbacks>> m;
    return m;
  }
  static uint64_t &next_token() {
    static uint64_t t = 1;
    return t;
  }
  static std::shared_ptr<dispatch_callbacks> find(void *ud, bool remove) {
    auto token = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(ud));
    std::lock_guard lock(sinks_mu());
    auto it = sinks().find(token);
    if (it == sinks().end()) return nullptr;
    auto cb = it->second;
    if (remove) sinks().erase(it);
    return cb;
  }
  static void on_partial(void *ud, const char *host, const char *json, size_t len) {
    if (auto cb = find(ud, false); cb && cb->on_partial) cb->on_partial(host ? host : "", std::string_view(json, len));
  }
  static void on_done(void *ud, const char *json, size_t len) {
    if (auto cb = find(ud, true); cb && cb->on_done) cb->on_done(std::string_view(json, len));
  }
  static void on_event(void *ud, const char *event) {
    auto *self = static_cast<c_host_api *>(ud);
    std::function<void(std::string_view)> fn;
    {
      std::lock_guard lock(self->watch_mu_);
      fn = self->watcher_;
    }
    if (fn) fn(event ? event : "");
  }

  static void on_host_event(void *ud, const char *from, const char *topic, const char *json, size_t len) {
    auto *self = static_cast<c_host_api *>(ud);
    event_fn fn;
    {
      std::lock_guard lock(self->watch_mu_);
      fn = self->event_fn_;
    }
    if (fn) fn(from ? from : "{}", topic ? topic : "", std::string_view(json ? json : "{}", json ? len : 2));
  }

  const ra_host_t *h_;
  std::mutex watch_mu_;
  std::function<void(std::string_view)> watcher_;
  event_fn event_fn_;
};

struct mcp_plugin {
  ra_instance_t instance{};
  const ra_host_t *host = nullptr;
  std::unique_ptr<c_host_api> api;
  server_settings settings;
  std::mutex mu;
  server *active = nullptr;
  bool interrupted = false;
};

mcp_plugin *self_of(ra_instance_t *i) { return static_cast<mcp_plugin *>(i->plugin_data); }
mcp_plugin *self_of(const ra_instance_t *i) { return static_cast<mcp_plugin *>(i->plugin_data); }

// Reads [plugins.mcp.config]; unknown keys are errors, so a typo does not silently do nothing.
bool read_settings(std::string_view json, server_settings &s, std::string &error) {
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) json = "{}";  // no config table
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return error = "config is not a JSON object", false;
  for (auto &m : d.GetObject()) {
    std::string k = m.name.GetString();
    auto positive = [&](int64_t lo, int64_t hi, int64_t &out) {
      if (!m.value.IsInt64() || m.value.GetInt64() < lo || m.value.GetInt64() > hi) {
        error = k + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
        return false;
      }
      out = m.value.GetInt64();
      return true;
    };
    if (k == "profile") {
      auto p = m.value.IsString() ? parse_profile(m.value.GetString()) : std::nullopt;
      if (!p) return error = "profile must be \"minimal\", \"standard\" or \"full\"", false;
      s.tools_profile = *p;
    } else if (k == "heartbeat_ms") {
      if (!positive(100, 15000, s.heartbeat_ms)) return false;
    } else if (k == "handle_after_ms") {
      if (!positive(0, 3600000, s.handle_after_ms)) return false;
    } else if (k == "max_message_bytes") {
      int64_t v = 0;
      if (!positive(4096, int64_t(1) << 30, v)) return false;
      s.max_message_bytes = static_cast<size_t>(v);
    } else {
      return error = "unknown key '" + k + "' (known: profile, heartbeat_ms, handle_after_ms, max_message_bytes)",
             false;
    }
  }
  return true;
}

int serve(ra_instance_t *i, int in_fd, int out_fd, const char *options_json, size_t options_len) {
  mcp_plugin *p = self_of(i);
  server_settings s = p->settings;
  rapidjson::Document opts;
  opts.Parse(options_json ? options_json : "{}", options_json ? options_len : 2);
  if (opts.IsObject() && opts.HasMember("profile") && opts["profile"].IsString()) {
    std::string name = opts["profile"].GetString();
    if (!name.empty()) {
      auto prof = parse_profile(name);
      if (!prof) {
        p->api->log(RA_LOG_ERROR, "unknown profile '" + name + "' (minimal, standard, full)");
        return 2;
      }
      s.tools_profile = *prof;
    }
  }
  server srv(*p->api, s);
  {
    std::lock_guard lock(p->mu);
    if (p->interrupted) return 0;
    p->active = &srv;
  }
  p->api->log(RA_LOG_INFO, "serving with the " + std::string(profile_name(s.tools_profile)) + " profile");
  int rc = srv.serve(in_fd, out_fd);
  std::lock_guard lock(p->mu);
  p->active = nullptr;
  return rc;
}

void interrupt(ra_instance_t *i) {
  mcp_plugin *p = self_of(i);
  std::lock_guard lock(p->mu);
  p->interrupted = true;
  if (p->active) p->active->interrupt();
}

const ra_frontend_ext_t frontend_ext = {sizeof(ra_frontend_ext_t), &serve, &interrupt};

ra_status start(ra_instance_t *) { return RA_OK; }
void stop(ra_instance_t *i) { interrupt(i); }
void destroy(ra_instance_t *i) { delete self_of(i); }
uint32_t tool_count(const ra_instance_t *) { return 0; }
const ra_tool_desc_t *tool_get(const ra_instance_t *, uint32_t) { return nullptr; }
ra_status invoke(ra_instance_t *, ra_call_t *) { return RA_UNIMPLEMENTED; }
void cancel(ra_instance_t *, ra_call_t *) {}
const void *get_extension(const ra_instance_t *, const char *id) {
  return id && std::strcmp(id, RA_EXT_FRONTEND) == 0 ? &frontend_ext : nullptr;
}

void write_error(char *buf, size_t cap, const std::string &msg) {
  if (buf && cap) std::snprintf(buf, cap, "%s", msg.c_str());
}

ra_instance_t *create(const ra_host_t *host, uint32_t minor, const char *config_json, size_t config_len, char *err_buf,
                      size_t err_cap) {
  if (minor < 1 || !RA_HAS(host, ra_host_t, dispatch) || !RA_HAS(host, ra_host_t, watch) ||
      !RA_HAS(host, ra_host_t, describe) || !RA_HAS(host, ra_host_t, dispatch_cancel)) {
    write_error(err_buf, err_cap, "the mcp plugin needs a host with ABI 1.1 (dispatch, describe, watch)");
    return nullptr;
  }
  auto *p = new (std::nothrow) mcp_plugin();
  if (!p) return nullptr;
  std::string error;
  if (!read_settings(std::string_view(config_json ? config_json : "{}", config_json ? config_len : 2), p->settings,
                     error)) {
    write_error(err_buf, err_cap, "[plugins.mcp.config]: " + error);
    delete p;
    return nullptr;
  }
  p->settings.version = host->host_version ? host->host_version : "0";
  p->host = host;
  p->api = std::make_unique<c_host_api>(host);
  ra_instance_t &i = p->instance;
  i.struct_size = sizeof(ra_instance_t);
  i.plugin_data = p;
  i.start = &start;
  i.stop = &stop;
  i.destroy = &destroy;
  i.tool_count = &tool_count;
  i.tool_get = &tool_get;
  i.invoke = &invoke;
  i.cancel = &cancel;
  i.get_extension = &get_extension;
  return &i;
}

const ra_plugin_info_t info = {sizeof(ra_plugin_info_t),
                               "mcp",
                               "MCP server",
                               "0.1.0",
                               "The fleet as an MCP server (stdio) for AI hosts: every tool of every host",
                               nullptr,
                               nullptr,
                               nullptr};

}  // namespace

extern "C" RA_EXPORT const ra_plugin_entry_t ra_plugin_entry__mcp = {RA_ABI_MAJOR, RA_ABI_MINOR,
                                                                     sizeof(ra_plugin_entry_t), &info, &create};
#ifndef RA_STATIC_PLUGIN
extern "C" RA_EXPORT const ra_plugin_entry_t ra_plugin_entry = {RA_ABI_MAJOR, RA_ABI_MINOR, sizeof(ra_plugin_entry_t),
                                                                &info, &create};
#endif
