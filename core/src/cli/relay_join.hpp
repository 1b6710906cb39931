// cli/relay_join.hpp — joining the configured room from a CLI process: derive the room keys from
// the token (Argon2id, ~0.4 s), start a peer node, and wait for the roster. Used by `run` (as an
// executor) and by the fleet verbs `agents`, `call --target`, `exec` (send-only: they join, work
// and leave).
// Thread safety: call from the main thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "peer/node.hpp"
#include "util/status.hpp"

namespace ra::cli {

// True when the config names a room to join: a non-empty room token. Without one there is no
// end-to-end key worth the name, so nothing joins (the reference joined with an empty token).
bool wants_relay(const config::config &cfg);

struct join_options {
  peer::executor_fn execute;                                           // empty = send-only
  std::function<peer::info_msg()> self_info;                           // empty = a minimal send-only description
  std::function<void()> on_roster_changed;                             // node_options::on_roster_changed
  std::function<void(const std::string &, peer::event_msg)> on_event;  // node_options::on_event
};

// Derives the keys and starts the node (it dials in the background). Errors: no token, bad URL.
result<std::unique_ptr<peer::node>> join_room(const config::config &cfg, const std::string &agent_id,
                                              join_options opts);

// The info a send-only CLI process advertises.
peer::info_msg cli_info(const config::config &cfg, const std::string &agent_id);

}  // namespace ra::cli
