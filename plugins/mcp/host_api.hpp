// host_api.hpp — what the MCP server needs from its host, as a small C++ interface: dispatch a
// call (and cancel it), read the catalogue, watch it, log. mcp_plugin.cpp implements it over the
// ABI 1.1 host table (dispatch, dispatch_cancel, describe, watch, log); the server never sees C
// pointers, which keeps it readable.
// Thread safety: every member may be called from any thread; the callbacks run on any thread.
#pragma once

#include <remote_agents/host.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ra::mcp {

struct dispatch_request {
  std::string tool;
  std::string args_json = "{}";
  std::string target;
  bool fleet = false;
  int64_t timeout_ms = 0;
};

struct dispatch_callbacks {
  std::function<void(std::string_view host, std::string_view json)> on_partial;
  std::function<void(std::string_view result_json)> on_done;  // exactly once when dispatch succeeded
};

struct dispatch_start {
  ra_status status = RA_OK;
  uint64_t handle = 0;
  std::string error;  // why it did not start
};

class host_api {
 public:
  virtual ~host_api() = default;
  virtual dispatch_start dispatch(const dispatch_request &req, dispatch_callbacks cb) = 0;
  virtual void cancel(uint64_t handle) = 0;
  virtual std::string describe() = 0;
  virtual void watch(std::function<void(std::string_view event)> fn) = 0;  // empty fn: stop watching
  // Events sent to this process (ABI 1.2 subscribe, abi.md R67): from_json names the sender. An
  // empty fn stops; false when the host has no events (older than 1.2).
  using event_fn = std::function<void(std::string_view from_json, std::string_view topic, std::string_view json)>;
  virtual bool subscribe_events(event_fn fn) = 0;
  virtual void log(ra_log_level level, const std::string &message) = 0;
};

}  // namespace ra::mcp
