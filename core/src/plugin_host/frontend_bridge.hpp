// plugin_host/frontend_bridge.hpp — what the host table's ABI 1.1 slots (dispatch,
// dispatch_cancel, describe, watch) and ABI 1.2 slots (send_event, subscribe) forward to. The plugin host defines this
// small interface and the daemon wires in the concrete one (dispatch::router), so plugin_host/ never includes dispatch/
// (ARCHITECTURE.md §2: the frontend loop is broken by inversion). Thread safety: every member may be called from any
// thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "util/status.hpp"

namespace ra::plugin_host {

class frontend_bridge {
 public:
  virtual ~frontend_bridge() = default;

  struct request {
    std::string tool;
    std::string args_json = "{}";
    std::string target;  // "" = this host
    bool fleet = false;  // target is an expression selecting many hosts
    int64_t timeout_ms = 0;
    int64_t deadline_ms = 0;
  };
  using partial_fn = std::function<void(std::string_view host, std::string_view json)>;
  using done_fn = std::function<void(std::string_view result_json)>;

  // Starts the call; `done` runs exactly once when a handle is returned (abi.md R60–R62).
  virtual result<uint64_t> dispatch(request req, partial_fn on_partial, done_fn done) = 0;
  virtual void cancel(uint64_t handle) = 0;
  // The catalogue document of abi.md R63.
  virtual std::string describe() = 0;
  // One watcher per key (the plugin id); an empty fn removes it.
  virtual void watch(const std::string &key, std::function<void(std::string_view event)> fn) = 0;

  // abi.md R66: `to` is a call's reply_to ("local" or a peer id). Validates topic and body.
  virtual status send_event(const std::string &to, std::string_view topic, std::string_view json) = 0;
  // abi.md R67: one subscription per key (the plugin id); an empty fn removes it and returns only
  // when that subscriber's callback is no longer running.
  using event_fn = std::function<void(std::string_view from_json, std::string_view topic, std::string_view json)>;
  virtual void subscribe(const std::string &key, std::string topic_prefix, event_fn fn) = 0;
};

}  // namespace ra::plugin_host
