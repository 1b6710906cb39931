// relay/tests/test_client.hpp — a small synchronous WebSocket (ws:// or wss://) and HTTP client
// for the relay's integration tests, plus a swarm of misbehaving connections for the load test.
// Every wait has a timeout: a read runs the client's own io_context until a message arrives, the
// relay closes, or the time is up, and a read that timed out stays pending for the next call, so
// a timeout never breaks the stream. Beast stays behind the pimpl so tests compile fast.
// Thread safety: one client per thread; the swarm runs its own thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wire/codec.hpp"

namespace ra::relay::test {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

struct message {
  std::vector<uint8_t> bytes;
  bool text = false;
};

struct close_info {
  uint16_t code = 0;  // 0: the connection ended without a close frame
  std::string reason;
};

// A decoded frame together with the bytes its views point into. Not copyable, so they stay valid.
struct owned_frame {
  std::unique_ptr<std::vector<uint8_t>> bytes;
  wire::frame frame;
  wire::frame_type type() const { return wire::type_of(frame); }
  template <class T>
  const T &as() const {
    return std::get<T>(frame);
  }
};

class ws_client {
 public:
  struct options {
    uint16_t port = 0;
    std::string path;
    bool tls = false;
    ms timeout = 5000ms;
  };
  // Connects and upgrades; null with `error` set when that fails (e.g. "HTTP 404").
  static std::unique_ptr<ws_client> connect(const options &o, std::string *error = nullptr);
  ~ws_client();

  bool send_binary(std::span<const uint8_t> bytes);
  bool send_text(std::string_view text);
  bool send(const wire::frame &f);  // encoded with the protocol's default limits
  bool send_ws_ping();              // a WebSocket control ping, not a relay ping frame

  // The next message; nullopt on timeout or once the connection has closed.
  std::optional<message> read(ms timeout = 5000ms);
  // The next message, decoded with the default limits; nullopt also when it does not decode.
  std::optional<owned_frame> read_frame(ms timeout = 5000ms);
  // Reads and discards until the relay closes; the close, or nullopt on timeout.
  std::optional<close_info> wait_close(ms timeout = 5000ms);
  bool closed() const;

  void close(uint16_t code, std::string_view reason);  // a clean WebSocket close
  void drop();                                         // the TCP connection just ends

 private:
  struct impl;
  explicit ws_client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

struct http_result {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
};

std::optional<http_result> http_request(uint16_t port, std::string_view method, std::string_view target,
                                        std::string_view authorization = {}, bool tls = false, ms timeout = 5000ms);

// `count` connections to `path` that each misbehave in one of four ways (upgrade then no hello,
// garbage bytes instead of a hello, a hello with a wrong token, a request line that never ends),
// and start over when the relay closes them, at most `cycles` times each.
class bogus_swarm {
 public:
  bogus_swarm(uint16_t port, std::string path, size_t count, size_t cycles);
  ~bogus_swarm();
  size_t opened() const;    // slots whose first connection got as far as misbehaving
  size_t attempts() const;  // connections started, restarts included
  bool wait_all_opened(ms timeout) const;
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ra::relay::test
