// dispatch/dispatcher.hpp — one tool call, the unit of work everywhere: look the tool up, parse and
// validate the arguments against its schema, run the policy gate, invoke it on the main strand,
// forward partial output, enforce the call's timeout, deliver one final outcome. The relay issue
// adds remote targets on top of this same path.
// Thread safety: call() may be used from any thread; `done` runs on the completing thread.
#pragma once

#include <remote_agents/status.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "plugin_host/call_tracker.hpp"
#include "plugin_host/registry.hpp"
#include "policy/policy.hpp"

namespace boost::asio {
class io_context;
}

namespace ra::dispatch {

enum class outcome_kind { ok, failed, denied, invalid, timeout, cancelled, unreachable };
std::string_view outcome_name(outcome_kind k);

struct request {
  std::string tool;
  std::string args_json = "{}";
  std::string caller = "local";
  // Where events about this call go (ra_call_t.reply_to, abi.md R66): "local", or the peer id of
  // the process that sent it.
  std::string reply_to = "local";
  int64_t timeout_ms = 0;  // whole-call deadline; 0 = none
  std::function<void(std::string_view json)> on_partial;
  std::function<void(double fraction, std::string_view message)> on_progress;
};

struct outcome {
  outcome_kind kind = outcome_kind::ok;
  ra_status status = RA_OK;
  std::string result_json = "{}";
  std::string message;
  int64_t duration_ms = 0;
};

struct dispatcher_deps {
  plugin_host::registry *tools = nullptr;
  plugin_host::call_tracker *calls = nullptr;
  boost::asio::io_context *main = nullptr;  // the main strand: invoke() runs here
  std::function<policy::mode()> current_mode;
  std::function<const policy::rules &()> rules;
  int64_t cancel_grace_ms = 5000;  // after a timeout, how long the plugin has to complete
};

class dispatcher {
 public:
  explicit dispatcher(dispatcher_deps deps);
  // Starts a call; `done` is called exactly once. The returned function cancels the call (its
  // process groups are killed and the outcome is `cancelled`); it may be called from any thread,
  // at any time, any number of times, also after the call finished.
  std::function<void()> call(request req, std::function<void(outcome)> done);
  // Blocking convenience for the CLI (must not be called on the main strand).
  outcome call_sync(request req);
  // From now on every call is refused at once (RA_UNAVAILABLE): shutdown and Ctrl-C.
  void stop_accepting() { accepting_ = false; }

 private:
  dispatcher_deps deps_;
  std::atomic<bool> accepting_{true};
};

}  // namespace ra::dispatch
