// plugin_host/call_tracker.hpp — the calls in flight. Plugins hold bare ra_call_t pointers; the
// tracker maps them back to their context by address (never dereferencing an unknown pointer), so
// a double complete or a stale pointer from a buggy plugin is detected, logged and ignored.
// Thread safety: all members are thread-safe.
#pragma once

#include <remote_agents/plugin.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "plugin_host/registry.hpp"
#include "policy/mode.hpp"

namespace ra::sandbox {
class process;
}

namespace ra::plugin_host {

struct call_result {
  ra_status status = RA_OK;
  std::string result_json = "{}";
  std::string message;
};

class call_tracker;

struct call_context {
  ra_call_t c{};  // what the plugin sees; owned here, valid until complete
  std::string tool_name, args, caller;
  std::string reply_to = "local";  // set by `prepare`; ra_call_t.reply_to points here
  std::shared_ptr<const tool_entry> tool;
  policy::mode mode = policy::mode::plan;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<bool> cancelled{false};
  std::atomic<bool> completed{false};
  call_tracker *tracker = nullptr;

  // Consumer callbacks, set before invoke. Run on whatever thread the plugin reports from.
  std::function<void(std::string_view json)> on_emit;
  std::function<void(double fraction, std::string_view message)> on_progress;
  std::function<void(call_result)> on_complete;

  // Held while the plugin's cancel() runs and while completing, so cancel never reaches a plugin
  // after complete() returned. Recursive: a plugin may complete from inside its cancel().
  std::recursive_mutex lifecycle_mu;
  std::mutex mu;
  std::vector<std::shared_ptr<sandbox::process>> processes;  // guarded by mu
};

// Completes a call through its tracker (for the core's built-in tools).
bool finish(const std::shared_ptr<call_context> &ctx, call_result r);

class call_tracker {
 public:
  // `prepare` sets the consumer callbacks before the call becomes visible to cancel/complete.
  std::shared_ptr<call_context> create(std::shared_ptr<const tool_entry> tool, std::string args, std::string caller,
                                       policy::mode mode, int64_t deadline_ms,
                                       const std::function<void(call_context &)> &prepare = {});
  std::shared_ptr<call_context> find(const ra_call_t *c) const;
  // Completes the call exactly once: returns false (and does nothing) for an unknown or already
  // completed call. Kills processes the call left running, then runs on_complete.
  bool complete(const ra_call_t *c, call_result r);
  // Marks cancelled, kills the call's process groups, and tells the plugin.
  void cancel(const ra_call_t *c);
  void cancel_all();
  size_t active() const;
  // Waits until no call is in flight — a call counts until its on_complete has returned. False on
  // timeout.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  mutable std::mutex mu_;
  std::condition_variable idle_;
  std::unordered_map<const ra_call_t *, std::shared_ptr<call_context>> calls_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace ra::plugin_host
