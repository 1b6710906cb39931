// Unit tests of the relay's flag parsing (config.hpp).
#include "config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace ra::relay {
namespace {

result<parsed_args> parse(std::vector<std::string_view> args) { return parse_args(args); }

TEST(relay_config, defaults) {
  auto p = parse({});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->action, cli_action::run);
  const config &c = p->cfg;
  EXPECT_EQ(c.bind_host, "0.0.0.0");
  EXPECT_EQ(c.bind_port, 8080);
  EXPECT_TRUE(c.token.empty());
  EXPECT_EQ(c.idle_timeout_s, 90u);
  EXPECT_EQ(c.max_frame, 1u << 20);
  EXPECT_EQ(c.max_peers, 1024u);
  EXPECT_EQ(c.max_rooms, 10000u);
  EXPECT_EQ(c.hello_timeout_ms, 10000u);
  EXPECT_FALSE(c.tls());
}

TEST(relay_config, flags_with_spaces_and_equals) {
  auto p =
      parse({"--bind=127.0.0.1:0", "--token", "abc", "--idle-timeout-secs=0", "--max-frame", "4096", "--max-peers=2",
             "--max-rooms", "3", "--rate=0", "--burst", "0", "--log-level", "debug", "--hello-timeout-ms", "250"});
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->cfg.bind_host, "127.0.0.1");
  EXPECT_EQ(p->cfg.bind_port, 0);
  EXPECT_EQ(p->cfg.token, "abc");
  EXPECT_EQ(p->cfg.idle_timeout_s, 0u);
  EXPECT_EQ(p->cfg.max_frame, 4096u);
  EXPECT_EQ(p->cfg.max_peers, 2u);
  EXPECT_EQ(p->cfg.max_rooms, 3u);
  EXPECT_EQ(p->cfg.rate_per_s, 0u);
  EXPECT_EQ(p->cfg.log_level, "debug");
  EXPECT_EQ(p->cfg.hello_timeout_ms, 250u);

  auto v6 = parse({"--bind", "[::1]:9000"});
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->cfg.bind_host, "::1");
  EXPECT_EQ(v6->cfg.bind_port, 9000);
  EXPECT_EQ(parse({"--help"})->action, cli_action::help);
  EXPECT_EQ(parse({"--version"})->action, cli_action::version);
}

TEST(relay_config, bad_flags_name_the_flag_not_the_secret) {
  const std::vector<std::vector<std::string_view>> bad = {
      {"--nope"},
      {"--bind"},
      {"--bind", "localhost:80"},
      {"--bind", "1.2.3.4"},
      {"--bind", "1.2.3.4:70000"},
      {"--max-frame", "100"},
      {"--max-frame", "1k"},
      {"--max-peers", "0"},
      {"--max-peers", "9000"},
      {"--max-frame", "4096", "--max-peers", "1000"},  // the roster would not fit one welcome
      {"--max-rooms", "0"},
      {"--rate", "10", "--burst", "0"},
      {"--idle-timeout-secs", "-1"},
      {"--log-level", "loud"},
      {"--tls-cert", "a.pem"},
      {"--token", ""},
      {"--token", std::string_view("x\0", 1).substr(0, 0)},
  };
  for (const auto &args : bad) {
    auto p = parse(args);
    EXPECT_FALSE(p) << args[0];
    if (!p) {
      EXPECT_EQ(p.error().message().find('\n'), std::string::npos);
    }
  }
  auto p = parse({"--tokn=sup3r-secret"});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message().find("sup3r-secret"), std::string::npos);
  EXPECT_NE(p.error().message().find("--tokn"), std::string::npos);
}

TEST(relay_config, token_file) {
  char path[] = "/tmp/relay-token-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "from-file \n";
  auto p = parse({"--token-file", path});
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->cfg.token, "from-file");
  std::remove(path);
  EXPECT_FALSE(parse({"--token-file", path}));
}

}  // namespace
}  // namespace ra::relay
