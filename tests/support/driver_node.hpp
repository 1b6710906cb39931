// driver_node.hpp — what the test and benchmark drivers (burst_driver, latency_driver) share: join
// a room as a send-only peer through the real node, and find a host by name in the roster.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "crypto/room_crypto.hpp"
#include "peer/node.hpp"

namespace ra::test {

// Starts a send-only node called `name` with a short reconnect backoff (tests restart relays).
inline std::unique_ptr<peer::node> start_driver_node(const crypto::room_crypto &room, const std::string &relay,
                                                     const std::string &name) {
  peer::node_options o;
  o.relay_url = relay;
  o.display_name = name;
  o.backoff_min = std::chrono::milliseconds(100);
  o.backoff_max = std::chrono::milliseconds(500);
  o.self_info = [name] {
    peer::info_msg m;
    m.info_json = R"({"id":")" + name + R"(","name":")" + name + R"(","accepts_commands":false})";
    return m;
  };
  auto node = peer::node::start(room, o);
  if (!node) {
    std::fprintf(stderr, "%s\n", node.error().message().c_str());
    return nullptr;
  }
  return std::move(*node);
}

// The peer id of the host named `host`, waiting up to 30 s for it to appear; "" if it never does.
inline std::string find_host(const peer::node &node, const std::string &host) {
  for (int i = 0; i < 300; ++i) {
    node.wait_ready(std::chrono::milliseconds(100));
    for (auto &p : node.peers())
      if (p.present && p.has_info && p.name == host) return p.peer_id;
  }
  return "";
}

}  // namespace ra::test
