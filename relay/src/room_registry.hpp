// relay/room_registry.hpp — every room on the relay, keyed by routing id, and the rules of
// PROTOCOL.md §3 for joining and leaving: the checks of a hello in the spec's order, peer id
// assignment, replacing a stale connection that presents the same resume secret, the welcome, and
// exactly one peer_joined/peer_left per arrival and departure, sent in order to everyone else.
// Empty rooms are removed at once. Shutdown says bye(1001) to every peer.
// Thread safety: none; used from the relay's io_context thread only.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <variant>

#include "config.hpp"
#include "room.hpp"
#include "wire/frame.hpp"

namespace ra::relay {

struct refused {
  wire::refusal reason;
  std::string text;  // printable ASCII <= 123 bytes: also the close reason
};

using join_outcome = std::variant<std::shared_ptr<member>, refused>;

class room_registry {
 public:
  using clock = std::chrono::steady_clock;
  using room_map = std::map<wire::routing_id, std::unique_ptr<room>>;

  explicit room_registry(const config &cfg) : cfg_(cfg), lim_(cfg.wire_limits()) {}

  // Handles a decoded hello from a connection whose URL named `url_room`. On success the newcomer
  // has been sent its welcome and the others their peer_joined (or, on replacement, the old
  // connection its bye(4000)). On refusal nothing was sent: the caller sends join_refused.
  join_outcome join(std::shared_ptr<peer_link> link, const wire::routing_id &url_room, const wire::hello &h,
                    clock::time_point now, int64_t now_ms);

  // Removes `m` from its room and tells the others, with `reason`. Does nothing if `m` already
  // left or was replaced, so every path that ends a connection may call it.
  void leave(member &m, wire::leave_reason reason);

  // bye(1001, "relay shutting down") and a close to every peer; later hellos are refused.
  void shutdown();

  const config &cfg() const { return cfg_; }
  const wire::limits &limits() const { return lim_; }
  const room_map &rooms() const { return rooms_; }
  const room *find(const wire::routing_id &id) const;
  size_t peer_count() const { return peers_; }

 private:
  refused check_version(const wire::hello &h) const;
  void replace(room &r, member &old);

  const config &cfg_;
  wire::limits lim_;
  room_map rooms_;
  size_t peers_ = 0;
  bool shutting_down_ = false;
};

}  // namespace ra::relay
