// Tests of parse_relay_url (link.hpp): what a relay URL may contain, and that refusals name the
// problem without echoing credentials.
#include <gtest/gtest.h>

#include "link/link.hpp"

namespace ra::link {
namespace {

struct good_case {
  const char *url;
  bool tls;
  const char *host;
  const char *port;
  const char *prefix;
};

TEST(link_relay_url, accepted_forms) {
  const good_case cases[] = {
      {"ws://relay.example", false, "relay.example", "80", ""},
      {"wss://relay.example", true, "relay.example", "443", ""},
      {"ws://127.0.0.1:8080", false, "127.0.0.1", "8080", ""},
      {"wss://relay.example:8443/", true, "relay.example", "8443", ""},
      {"ws://[::1]:9000", false, "::1", "9000", ""},
      {"wss://[2001:db8::7]", true, "2001:db8::7", "443", ""},
      {"wss://relay.example/ra", true, "relay.example", "443", "/ra"},
      {"wss://relay.example/a/b//", true, "relay.example", "443", "/a/b"},
      {"WSS://Relay.Example:443/x", true, "Relay.Example", "443", "/x"},
      {"ws://relay_1.internal:00080", false, "relay_1.internal", "80", ""},
      {"ws://h/p%20q", false, "h", "80", "/p%20q"},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.url);
    auto u = parse_relay_url(c.url);
    ASSERT_TRUE(u) << u.error().to_string();
    EXPECT_EQ(u->tls, c.tls);
    EXPECT_EQ(u->host, c.host);
    EXPECT_EQ(u->port, c.port);
    EXPECT_EQ(u->prefix, c.prefix);
  }
}

struct bad_case {
  const char *url;
  const char *says;  // a fragment of the error message
};

TEST(link_relay_url, refused_forms_say_why) {
  const bad_case cases[] = {
      {"", "empty"},
      {"relay.example:443", "ws:// or wss://"},
      {"http://relay.example", "scheme must be ws or wss, not 'http'"},
      {"https://relay.example", "not 'https'"},
      {"ws://", "no host"},
      {"ws:///prefix", "no host"},
      {"ws://:80", "no host"},
      {"ws://relay.example:", "empty port"},
      {"ws://relay.example:0", "port must be a number 1..65535"},
      {"ws://relay.example:65536", "port must be"},
      {"ws://relay.example:+80", "port must be"},
      {"ws://relay.example:8o", "port must be"},
      {"ws://[::1", "closing ']'"},
      {"ws://[]:80", "not an IPv6 address"},
      {"ws://[relay.example]:80", "not an IPv6 address"},
      {"ws://[::1]x", "expected ':port'"},
      {"ws://[::1]:", "empty port"},
      {"ws://::1:80", "must be in brackets"},
      {"ws://relay example", "spaces"},
      {"ws://relay.example/\xc3\xa9", "non-ASCII"},
      {"ws://relay.example/x?token=1", "query or fragment"},
      {"ws://relay.example/#frag", "query or fragment"},
      {"ws://relay.example/a\"b", "percent-encoding"},
      {"ws://rel$ay.example", "not a host name"},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.url);
    auto u = parse_relay_url(c.url);
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().code(), RA_INVALID_ARGUMENT);
    EXPECT_NE(u.error().message().find(c.says), std::string::npos) << u.error().message();
  }
}

TEST(link_relay_url, credentials_are_refused_and_not_echoed) {
  auto u = parse_relay_url("wss://user:s3cret@relay.example/");
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message().find("user:password@"), std::string::npos);
  EXPECT_EQ(u.error().message().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace ra::link
