// link/relay_url.cpp — parse_relay_url(): the relay's address as configured (relay.url), split into
// what the dialler needs. Only what a relay URL can sensibly contain is accepted; everything else is
// refused with a message that names the problem. Error messages never repeat the whole URL: a user
// may have pasted credentials into it.
#include <boost/asio/ip/address_v6.hpp>

#include <algorithm>
#include <charconv>

#include "link/link.hpp"

namespace ra::link {

namespace {

bool ieq_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), s.begin(), [](char want, char got) {
    return (got >= 'A' && got <= 'Z' ? static_cast<char>(got - 'A' + 'a') : got) == want;
  });
}

// A DNS name or an IPv4 literal. Underscores are tolerated because some internal names use them.
bool valid_host_name(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  return std::ranges::all_of(h, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
  });
}

// RFC 3986 path characters (unreserved, sub-delims, ':', '@', '/', percent escapes). '?' and '#'
// never reach here: they are refused earlier, because the link appends its own path.
bool valid_path_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=:@/%").find(c) != std::string_view::npos;
}

}  // namespace

result<relay_url> parse_relay_url(std::string_view url) {
  if (url.empty()) return invalid_argument("relay URL is empty");
  if (std::ranges::any_of(url, [](char c) { return c <= 0x20 || c >= 0x7f; })) {
    return invalid_argument("relay URL contains spaces or non-ASCII characters");
  }

  relay_url out;
  std::string_view rest;
  if (ieq_prefix(url, "wss://")) {
    out.tls = true;
    rest = url.substr(6);
  } else if (ieq_prefix(url, "ws://")) {
    rest = url.substr(5);
  } else {
    const auto colon = url.find("://");
    if (colon == std::string_view::npos) return invalid_argument("relay URL must start with ws:// or wss://");
    return invalid_argument("relay URL scheme must be ws or wss, not '" + std::string(url.substr(0, colon)) + "'");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return invalid_argument("relay URL must not have a query or fragment (the link appends /ws/room/<id>)");
  }

  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return invalid_argument("relay URL must not contain user:password@ (the relay token belongs in the config)");
  }
  if (authority.empty()) return invalid_argument("relay URL has no host");

  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return invalid_argument("relay URL: IPv6 address lacks its closing ']'");
    std::string_view v6 = authority.substr(1, close - 1);
    boost::system::error_code ec;
    (void)boost::asio::ip::make_address_v6(std::string(v6), ec);
    if (v6.empty() || ec) return invalid_argument("relay URL: '" + std::string(v6) + "' is not an IPv6 address");
    out.host = std::string(v6);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid_argument("relay URL: expected ':port' after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return invalid_argument("relay URL: empty port after ':'");
    }
  } else {
    if (std::ranges::count(authority, ':') > 1) {
      return invalid_argument("relay URL: an IPv6 address must be in brackets, as in ws://[::1]:8080");
    }
    const auto colon = authority.find(':');
    std::string_view host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return invalid_argument("relay URL: empty port after ':'");
    }
    if (host.empty()) return invalid_argument("relay URL has no host");
    if (!valid_host_name(host)) {
      return invalid_argument("relay URL: '" + std::string(host) +
                              "' is not a host name (IPv6 addresses go in brackets: [::1])");
    }
    out.host = std::string(host);
  }

  if (port.empty()) {
    out.port = out.tls ? "443" : "80";
  } else {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535 || port.front() == '+' ||
        port.size() > 5) {
      return invalid_argument("relay URL: port must be a number 1..65535, not '" + std::string(port) + "'");
    }
    out.port = std::to_string(value);
  }

  // The prefix is kept without trailing slashes, so "<prefix>/ws/room/<id>" has no "//".
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (!std::ranges::all_of(path, valid_path_char)) {
    return invalid_argument("relay URL path contains characters that need percent-encoding");
  }
  out.prefix = std::string(path);
  return out;
}

}  // namespace ra::link
