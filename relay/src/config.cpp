#include "config.hpp"

#include <charconv>
#include <fstream>
#include <limits>
#include <optional>

#include <boost/asio/ip/address.hpp>

namespace ra::relay {

namespace {

template <class T>
std::optional<T> parse_uint(std::string_view text, T max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || v > max) return std::nullopt;
  return static_cast<T>(v);
}

status bad_flag(std::string_view flag, std::string_view why) {
  return invalid_argument(std::string(flag) + ": " + std::string(why));
}

// "host:port" or "[v6]:port". Only IP literals: a relay binds an address, not a name.
status parse_bind(std::string_view text, config &cfg) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad_flag("--bind", "expected [ipv6]:port");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad_flag("--bind", "expected ip:port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return bad_flag("--bind", "'" + std::string(host) + "' is not an IP address");
  auto p = parse_uint<uint16_t>(port, 65535);
  if (!p) return bad_flag("--bind", "port must be 0..65535");
  cfg.bind_host = std::string(host);
  cfg.bind_port = *p;
  return status::ok();
}

status read_token_file(const std::string &path, config &cfg) {
  std::ifstream in(path);
  if (!in) return bad_flag("--token-file", "cannot read " + path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  if (line.empty()) return bad_flag("--token-file", "the file's first line is empty");
  cfg.token = line;
  return status::ok();
}

bool valid_level(std::string_view l) {
  for (auto known : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (l == known) return true;
  }
  return false;
}

// Flags that take a value, and what to do with it.
status apply(std::string_view flag, std::string_view value, config &cfg) {
  if (flag == "--bind") return parse_bind(value, cfg);
  if (flag == "--token") {
    if (value.empty() || value.size() > wire::k_max_token) return bad_flag(flag, "must be 1..255 bytes");
    cfg.token = std::string(value);
    return status::ok();
  }
  if (flag == "--token-file") {
    auto s = read_token_file(std::string(value), cfg);
    if (s && cfg.token.size() > wire::k_max_token) return bad_flag(flag, "token must be 1..255 bytes");
    return s;
  }
  if (flag == "--tls-cert" || flag == "--tls-key") {
    if (value.empty()) return bad_flag(flag, "needs a PEM file");
    (flag == "--tls-cert" ? cfg.tls_cert : cfg.tls_key) = std::string(value);
    return status::ok();
  }
  if (flag == "--log-level") {
    if (!valid_level(value)) return bad_flag(flag, "must be trace, debug, info, warn, error, critical or off");
    cfg.log_level = std::string(value);
    return status::ok();
  }
  auto number = [&](auto &out, auto max, std::string_view range) -> status {
    auto v = parse_uint<std::remove_reference_t<decltype(out)>>(value, max);
    if (!v) return bad_flag(flag, "must be a whole number " + std::string(range));
    out = *v;
    return status::ok();
  };
  constexpr auto u32_max = std::numeric_limits<uint32_t>::max();
  if (flag == "--idle-timeout-secs") return number(cfg.idle_timeout_s, uint32_t{86400 * 365}, "0..31536000");
  if (flag == "--max-frame") return number(cfg.max_frame, wire::k_max_frame_cap, "4096..67108864");
  if (flag == "--max-peers") return number(cfg.max_peers, wire::k_max_peers_cap, "1..8192");
  if (flag == "--max-rooms") return number(cfg.max_rooms, size_t{10'000'000}, "1..10000000");
  if (flag == "--rate") return number(cfg.rate_per_s, u32_max, "0..4294967295 (0 = no limit)");
  if (flag == "--burst") return number(cfg.rate_burst, u32_max, "0..4294967295");
  if (flag == "--hello-timeout-ms") return number(cfg.hello_timeout_ms, uint32_t{600'000}, "1..600000");
  return bad_flag(flag, "unknown flag (see --help)");
}

bool takes_value(std::string_view flag) {
  for (auto f : {"--bind", "--token", "--token-file", "--tls-cert", "--tls-key", "--log-level", "--idle-timeout-secs",
                 "--max-frame", "--max-peers", "--max-rooms", "--rate", "--burst", "--hello-timeout-ms"}) {
    if (flag == f) return true;
  }
  return false;
}

status check(const config &cfg) {
  if (auto s = wire::validate(cfg.wire_limits()); !s)
    return invalid_argument("--max-frame/--max-peers: " + s.message());
  if (cfg.max_rooms < 1) return bad_flag("--max-rooms", "must be at least 1");
  if (cfg.hello_timeout_ms < 1) return bad_flag("--hello-timeout-ms", "must be at least 1");
  if (cfg.rate_per_s > 0 && cfg.rate_burst < 1) return bad_flag("--burst", "must be at least 1 when --rate is not 0");
  if (cfg.tls_cert.empty() != cfg.tls_key.empty()) return invalid_argument("--tls-cert and --tls-key go together");
  return status::ok();
}

}  // namespace

result<parsed_args> parse_args(std::span<const std::string_view> args) {
  parsed_args out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") return parsed_args{cli_action::help, {}};
    if (arg == "--version") return parsed_args{cli_action::version, {}};
    std::string_view flag = arg, value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string_view::npos && arg.starts_with("--")) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    if (!takes_value(flag)) return bad_flag(flag, "unknown flag (see --help)");
    if (!has_value) {
      if (i + 1 >= args.size()) return bad_flag(flag, "needs a value");
      value = args[++i];
    }
    if (auto s = apply(flag, value, out.cfg); !s) return s;
  }
  if (auto s = check(out.cfg); !s) return s;
  return out;
}

std::string usage() {
  return R"(usage: remote-agents-relay [flags]

Forwards end-to-end encrypted frames between the peers of a room (relay/PROTOCOL.md).

  --bind IP:PORT            listen address (default 0.0.0.0:8080; port 0 = any free port)
  --token TOKEN             relay access token peers must present in their hello (default: none).
                            Also gates /api/*. Prefer --token-file: flags show in process lists
  --token-file PATH         read the access token from the first line of PATH
  --idle-timeout-secs N     close connections silent for N seconds (default 90, 0 = never)
  --tls-cert PEM --tls-key PEM
                            serve wss:// and https:// with this certificate chain and key
  --max-frame BYTES         largest frame, header included (default 1048576, 4096..67108864)
  --max-peers N             peers per room (default 1024, at most 8192)
  --max-rooms N             rooms on this relay (default 10000)
  --rate N                  frames per second per connection, sustained (default 1000, 0 = none)
  --burst N                 frames per connection in a burst (default 2000)
  --log-level LEVEL         trace, debug, info, warn, error, critical or off (default info)
  --help, --version
)";
}

}  // namespace ra::relay
