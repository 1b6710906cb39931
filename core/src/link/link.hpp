// link/link.hpp — one outbound WebSocket connection to a relay (relay/PROTOCOL.md), kept alive for
// the life of the process: dial ws:// or wss://, send the hello, wait for the welcome, ping every
// min(30 s, idle_timeout/3), and after any loss (network, relay restart, relay bye, idle) redial with
// capped, jittered exponential backoff. It never gives up and never exits the process.
//
// The link knows nothing of crypto: it moves opaque payloads (end-to-end envelopes) between this
// peer and others, addressed by relay peer ids. The peer id and resume secret are fixed for the
// link's life, so a reconnect keeps the same id (requests in flight stay addressable) and replaces
// our own stale connection at the relay (PROTOCOL.md §3 step 4).
//
// Thread safety: every event handler runs on the io_context the link was given (one thread).
// send()/stop()/state queries may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "util/status.hpp"
#include "wire/frame.hpp"

namespace boost::asio {
class io_context;
}

namespace ra::link {

struct link_options {
  std::string relay_url;       // ws://host:port[/prefix] or wss://host:port[/prefix]
  std::string routing_id_hex;  // 64 lower-case hex digits (crypto::room_crypto::relay_routing_id())
  std::string peer_id;         // 1..64 visible ASCII, fixed for the process (random 32 hex digits)
  wire::resume_secret resume{};
  std::string access_token;  // the relay's own --token; never the room token
  std::chrono::milliseconds ping_interval{30000};
  std::chrono::milliseconds handshake_timeout{10000};  // TCP+TLS+upgrade+welcome
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{60000};
  std::chrono::milliseconds stable_after{30000};  // a connection this old resets the backoff
  // A connection that has received nothing (not even a pong) for this long is treated as dead.
  std::chrono::milliseconds dead_after{90000};
  // wss://: verify the relay's certificate against the system store (or ca_file when set).
  bool tls_verify = true;
  std::string ca_file;
};

struct joined_info {
  std::string self_id;             // as the relay confirmed it (equals options.peer_id)
  std::vector<std::string> peers;  // the others in the room
  size_t max_frame = 0;
  size_t max_payload = 0;  // largest payload send() accepts (max_frame minus frame overhead)
  uint16_t max_peers = 0;
  uint32_t idle_timeout_s = 0;
  uint64_t connection_number = 0;  // 1 for the first welcome, then +1 per reconnect
};

struct link_events {
  // Each successful join (first connect and every reconnect). The peer list replaces any earlier one.
  std::function<void(const joined_info &)> on_joined;
  std::function<void(const std::string &peer_id)> on_peer_joined;
  std::function<void(const std::string &peer_id, wire::leave_reason)> on_peer_left;
  std::function<void(const std::string &from, std::vector<uint8_t> payload)> on_deliver;
  // A non-fatal relay error (unknown recipient, rate limited, recipient busy).
  std::function<void(wire::error_code, const std::string &peer_id)> on_relay_error;
  // The connection ended. `reason` is one printable line (never a token); `retry_in` is the delay
  // before the next attempt.
  std::function<void(const std::string &reason, std::chrono::milliseconds retry_in)> on_disconnected;
};

enum class link_state { idle, connecting, joined, backing_off, stopped };

class link {
 public:
  // Checks the options (URL scheme/host/port, routing id, peer id); nothing is dialled until start().
  static result<std::unique_ptr<link>> create(boost::asio::io_context &io, link_options options, link_events events);
  ~link();

  void start();
  // Queues one `send` frame. `to` empty = everyone in the room but us. Returns RA_UNAVAILABLE when
  // not joined (the payload is dropped: callers re-send on the next on_joined), and
  // RA_RESOURCE_EXHAUSTED when the payload is over max_payload or the outbound queue is full.
  status send(std::vector<std::string> to, std::vector<uint8_t> payload);
  // Sends bye (when joined), closes, cancels timers; no reconnect afterwards. Idempotent. The
  // returned future-less call completes asynchronously on the io_context; `done` (optional) runs
  // when the socket is closed.
  void stop(std::function<void()> done = {});

  link_state state() const;
  size_t max_payload() const;  // 0 until the first welcome

 private:
  struct impl;
  explicit link(std::shared_ptr<impl> p);
  std::shared_ptr<impl> impl_;
};

// Parses a relay URL: scheme ws|wss, host, port (default 80/443), path prefix. Exposed for tests.
struct relay_url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string prefix;  // "" or "/something", no trailing slash
};
result<relay_url> parse_relay_url(std::string_view url);

// capped exponential backoff with jitter: attempt 0 → [min, 1.5·min), doubling, never above max.
std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds min, std::chrono::milliseconds max,
                                        uint64_t random_bits);

}  // namespace ra::link
