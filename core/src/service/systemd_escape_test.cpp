#include "service/systemd_escape.hpp"

#include <gtest/gtest.h>

namespace ra::service {
namespace {

struct escape_case {
  std::string in;
  std::string want;
};

TEST(SystemdEscape, ExecArgQuotesEveryWord) {
  const escape_case cases[] = {
      {"plain", "\"plain\""},
      {"", "\"\""},
      {"two words", "\"two words\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"it's", "\"it's\""},
      {"back\\slash", "\"back\\\\slash\""},
      {"100%", "\"100%%\""},
      {"%n", "\"%%n\""},
      {"$HOME", "\"$$HOME\""},
      {"${HOME}x", "\"$${HOME}x\""},
      {";", "\";\""},
      {"line\nbreak\ttab", "\"line\\nbreak\\ttab\""},
      {std::string("bell\x07"), "\"bell\\x07\""},
      {"\x7f", "\"\\x7f\""},
      {"héllo ☃", "\"héllo ☃\""},
  };
  for (const auto &c : cases) {
    auto got = exec_arg(c.in);
    ASSERT_TRUE(got) << c.in;
    EXPECT_EQ(*got, c.want) << c.in;
  }
}

TEST(SystemdEscape, ExecArgRefusesWhatSystemdCannotCarry) {
  EXPECT_FALSE(exec_arg(std::string("a\0b", 3)));
  EXPECT_FALSE(exec_arg("\xff\xfe"));
  EXPECT_FALSE(exec_arg("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(exec_arg("\xed\xa0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(exec_arg("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(exec_arg("\xe2\x98"));          // truncated
}

TEST(SystemdEscape, ExecPath) {
  EXPECT_EQ(*exec_path("/usr/bin/remote-agents"), "\"/usr/bin/remote-agents\"");
  EXPECT_EQ(*exec_path("/opt/my apps/100%/ra"), "\"/opt/my apps/100%%/ra\"");
  EXPECT_FALSE(exec_path("relative/ra"));
  EXPECT_FALSE(exec_path("/opt/it's/ra"));  // systemd refuses quotes in the executable
  EXPECT_FALSE(exec_path("/opt/\"q\"/ra"));
  EXPECT_FALSE(exec_path("/opt/back\\slash/ra"));
  EXPECT_FALSE(exec_path("/opt/$x/ra"));  // would be expanded in argv[0]
  EXPECT_FALSE(exec_path("/opt/a\nb/ra"));
}

TEST(SystemdEscape, EnvironmentWord) {
  EXPECT_EQ(*environment_word("XDG_DATA_HOME", "/home/u/.local/share"), "\"XDG_DATA_HOME=/home/u/.local/share\"");
  EXPECT_EQ(*environment_word("A", "x \"y\" \\ 50% $z"), "\"A=x \\\"y\\\" \\\\ 50%% $z\"");
  EXPECT_FALSE(environment_word("1BAD", "x"));
  EXPECT_FALSE(environment_word("BAD-NAME", "x"));
  EXPECT_FALSE(environment_word("", "x"));
}

TEST(SystemdEscape, PathWord) {
  EXPECT_EQ(*path_word("/var/lib/ra", false), "\"/var/lib/ra\"");
  EXPECT_EQ(*path_word("/srv/my data", true), "\"-/srv/my data\"");
  EXPECT_EQ(*path_word("/a\\b\"c%d$e", false), "\"/a\\\\b\\\"c%%d$e\"");
  EXPECT_FALSE(path_word("relative", false));
  EXPECT_FALSE(path_word("", false));
  EXPECT_FALSE(path_word("/a\tb", false));
}

TEST(SystemdEscape, RawPath) {
  EXPECT_EQ(*raw_path("/home/u/.config/remote-agents/service.env"), "/home/u/.config/remote-agents/service.env");
  EXPECT_EQ(*raw_path("/home/my user/50%/\"x\"/service.env"), "/home/my user/50%%/\"x\"/service.env");
  EXPECT_FALSE(raw_path("/ends/with/space "));
  EXPECT_FALSE(raw_path("/ends/with/backslash\\"));
  EXPECT_FALSE(raw_path("/new\nline"));
  EXPECT_FALSE(raw_path("relative"));
}

TEST(SystemdEscape, EnvFileLine) {
  EXPECT_EQ(*env_file_line("REMOTE_AGENTS_TOKEN", "s3cret"), "REMOTE_AGENTS_TOKEN=\"s3cret\"\n");
  EXPECT_EQ(*env_file_line("T", "a\"b\\c`d$e f'g#h"), "T=\"a\\\"b\\\\c\\`d\\$e f'g#h\"\n");
  EXPECT_FALSE(env_file_line("T", "two\nlines"));
  EXPECT_FALSE(env_file_line("T", "\xff"));
  EXPECT_FALSE(env_file_line("T=", "x"));
}

TEST(SystemdEscape, ErrorsNeverQuoteTheValue) {
  auto r = env_file_line("REMOTE_AGENTS_TOKEN", "topsecret\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("topsecret"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace ra::service
