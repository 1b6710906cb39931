// peer/node.hpp — this process as a member of a room: the relay link plus end-to-end crypto, the
// table of other peers (learnt from their encrypted info), and both halves of a remote tool call.
//
//   controller: call(peer, tool, args) seals a request with a fresh 128-bit id and an expiry, keeps it
//               until the first reply, and re-sends it (same id, new envelope) after our reconnect or
//               the target's return. Duplicate replies are dropped. Streaming output arrives as
//               partials. No reply by the deadline → timeout (or unreachable when the peer is gone).
//   executor:   opens requests, runs each id at most once through `execute` (the core dispatcher:
//               schema, policy and sandbox apply as for a local call), answers repeats from the
//               result cache, streams partials, refuses expired requests, obeys cancel.
//   info:       after each join we broadcast our info asking for everyone's; we answer such
//               broadcasts with our own, and re-announce when our mode changes.
//
// The relay sees only opaque peer ids and sizes: names, tags, platform, tool lists, calls and
// results are all inside envelopes. A frame whose authenticated sender differs from the relay's
// `from` is dropped (PROTOCOL.md §8).
//
// Thread safety: all state lives on the node's own thread; every public method may be called from
// any thread. Callbacks (done, on_partial, execute) run on the node's thread and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/room_crypto.hpp"
#include "dispatch/dispatcher.hpp"
#include "peer/messages.hpp"
#include "util/status.hpp"

namespace ra::peer {

struct peer_record {
  std::string peer_id;
  bool present = false;   // in the room now, as the relay says
  bool has_info = false;  // its encrypted info arrived (a peer without it cannot be targeted)
  std::string info_json = "{}";
  std::string tools_json = "[]";
  // From info_json, for targeting and display.
  std::string agent_id, name, os_family, mode, version;
  std::vector<std::string> tags;
  bool accepts_commands = false;
  int64_t info_at_ms = 0;
};

// The present peers whose info arrived, each as its info object plus "peer_id" (and "tools" when
// asked), comma-separated without brackets: list_agents and `agents --json` print the same thing.
std::string peers_json(const std::vector<peer_record> &peers, bool with_tools);

// Fills the targeting fields of a record (agent_id, name, mode, os_family, tags, …) from its
// info_json; leaves them empty when it is not an object.
void fill_from_info(peer_record &r);

struct remote_call {
  std::string tool;
  std::string args_json = "{}";
  int64_t timeout_ms = 0;  // 0 = node_options::default_timeout_ms
  std::function<void(std::string_view data_json)> on_partial;
};

struct incoming_call {
  std::string request_id;
  std::string from_peer;
  std::string caller;  // "peer:<name>" — never "local", so set_mode applies its remote rules
  std::string tool;
  std::string args_json;
  int64_t timeout_ms = 0;
  std::function<void(std::string_view data_json)> on_partial;  // callable from any thread
};

// Runs an incoming call; calls `done` exactly once (from any thread); returns a cancel function.
using executor_fn =
    std::function<std::function<void()>(incoming_call call, std::function<void(dispatch::outcome)> done)>;

inline constexpr int k_event_rate = 100;  // events per second accepted from one sender

struct node_options {
  std::string relay_url;
  std::string access_token;  // the relay's own --token
  std::string display_name;  // who we are in callers' logs
  std::function<info_msg()> self_info;
  executor_fn execute;  // empty: send-only (requests are answered "denied")
  // Runs on the node's thread after the roster changed: a peer came, left or sent new info, or the
  // link joined or dropped. Must not block (frontends use it to say "tools/list changed").
  std::function<void()> on_roster_changed;
  // An event another peer sent us (host->send_event, abi.md R66): runs on the node's thread, must
  // not block. Bodies are decoded and bounded; senders beyond k_event_rate per second are dropped.
  std::function<void(const std::string &from_peer, event_msg e)> on_event;
  int64_t default_timeout_ms = 120000;
  int64_t expiry_margin_ms = 60000;  // a request stays valid this long after its deadline
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::milliseconds ping_interval{30000};
  bool tls_verify = true;
};

class node {
 public:
  // Creates the peer id and resume secret, starts the node thread and dials the relay.
  static result<std::unique_ptr<node>> start(const crypto::room_crypto &room, node_options opts);
  ~node();

  const std::string &self_id() const;
  bool joined() const;
  std::vector<peer_record> peers() const;
  // Waits until joined and every present peer's info has arrived, or the timeout. True if complete.
  bool wait_ready(std::chrono::milliseconds timeout) const;
  // Waits until joined at least once.
  bool wait_joined(std::chrono::milliseconds timeout) const;

  // Calls a tool on one peer; `done` runs exactly once. Returns a cancel function (sends cancel to
  // the executor and completes the call as cancelled).
  std::function<void()> call(const std::string &peer_id, remote_call c, std::function<void(dispatch::outcome)> done);
  // Sends an event to one peer, sealed for it alone. While the peer is not in the room (or we are
  // not joined) it is held — in order, up to 10 minutes, 256 per peer and 1,024 in all, the oldest
  // dropped first — and sent when the peer (re)joins. At most once. Errors: bad topic or body
  // (RA_INVALID_ARGUMENT), shutting down (RA_UNAVAILABLE).
  status send_event(const std::string &peer_id, event_msg e);
  // Re-broadcasts our info (after a mode change).
  void announce();
  // Says bye to the relay and stops; pending calls complete as cancelled. Idempotent.
  void stop();

 private:
  node();
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace ra::peer
