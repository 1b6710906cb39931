// relay/config.hpp — the relay's settings and their command-line flags (README.md lists them).
// parse_args() is pure so that flag handling is unit-tested without starting a server; main.cpp
// turns its errors into one line on stderr and exit status 2.
// Thread safety: value types and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "util/status.hpp"
#include "wire/frame.hpp"

namespace ra::relay {

struct config {
  std::string bind_host = "0.0.0.0";  // an IPv4 or IPv6 literal
  uint16_t bind_port = 8080;          // 0 = any free port (the listening line says which)
  std::string token;                  // relay access token; empty = no gate. Never logged.
  uint32_t idle_timeout_s = 90;       // 0 = off
  std::string tls_cert, tls_key;      // PEM files; both set = wss:// and https://
  size_t max_frame = wire::k_default_max_frame;
  size_t max_peers = 1024;  // per room
  size_t max_rooms = 10000;
  uint32_t rate_per_s = 1000;  // frames per second per connection; 0 = no limit
  uint32_t rate_burst = 2000;
  std::string log_level = "info";
  uint32_t hello_timeout_ms = 10000;  // hidden flag, for tests; PROTOCOL.md says 10 s

  bool tls() const { return !tls_cert.empty(); }
  wire::limits wire_limits() const { return {max_frame, max_peers}; }
};

enum class cli_action { run, help, version };

struct parsed_args {
  cli_action action = cli_action::run;
  config cfg;
};

// `args` excludes the program name. Accepts `--flag value` and `--flag=value`. Errors are one
// line that names the flag, never its value when the flag is a secret.
result<parsed_args> parse_args(std::span<const std::string_view> args);

std::string usage();

}  // namespace ra::relay
