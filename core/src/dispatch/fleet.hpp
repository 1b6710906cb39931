// dispatch/fleet.hpp — one tool call on a set of hosts chosen by a target expression (target.hpp):
// resolve the target against the peer table, call every chosen host in parallel through the peer
// node, and collect one outcome per host (ok / failed / denied / timeout / unreachable, with
// durations). Hosts that cannot be reached are reported, never silently absent (the reference's
// 3-second idle gap dropped slow hosts from the output: REFERENCE-SPEC §7.2).
//
// Timeouts: `per_host_timeout_ms` is each host's own deadline (its executor kills the work when it
// passes); `overall_timeout_ms` bounds the whole fleet call: hosts still running then are cancelled
// and reported as timeout.
// Thread safety: fleet_call blocks the calling thread (not the node's); on_partial runs on the
// node's thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/dispatcher.hpp"
#include "dispatch/grouping.hpp"
#include "peer/node.hpp"
#include "util/status.hpp"

namespace ra::dispatch {

struct fleet_host {
  std::string peer_id, agent_id, name;
  std::string display;  // name, made unique when two hosts share it
  outcome result;
  bool settled = false;  // the outcome is known without a call (e.g. unreachable)
};

// Ends a running fleet_call early from another thread: every host still running is sent a cancel
// (its process groups are killed) and reported as cancelled. Thread-safe; request() is idempotent.
class fleet_stop {
 public:
  void request();
  bool requested() const;
  // fleet_call's hook: `wake` runs at once if a stop was already requested.
  void on_request(std::function<void()> wake);

 private:
  mutable std::mutex mu_;
  bool requested_ = false;
  std::function<void()> wake_;
};

struct fleet_options {
  int64_t per_host_timeout_ms = 0;  // 0 = the node's default
  int64_t overall_timeout_ms = 0;   // 0 = per-host timeout + a margin
  std::function<void(const fleet_host &host, std::string_view data_json)> on_partial;
  std::shared_ptr<fleet_stop> stop;  // optional
};

// The hosts a target selects among the peers whose info arrived. An expression that parses but
// selects nobody is RA_NOT_FOUND ("no host matches target '…'"); a bad one is RA_INVALID_ARGUMENT
// with the column.
result<std::vector<fleet_host>> resolve_target(const std::vector<peer::peer_record> &peers, std::string_view target);

// Calls `tool` on every host; returns them in the order given, each with its outcome.
std::vector<fleet_host> fleet_call(peer::node &node, std::vector<fleet_host> hosts, const std::string &tool,
                                   const std::string &args_json, const fleet_options &opt);

// The text used to group identical results: exec-shaped results as their output (plus the exit
// code when it is not 0); file reads as their content; other results as pretty JSON without
// duration_ms; failures as their message.
host_outcome to_host_outcome(const fleet_host &h);

}  // namespace ra::dispatch
