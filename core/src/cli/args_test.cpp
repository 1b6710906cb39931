#include "cli/args.hpp"

#include <gtest/gtest.h>

namespace ra::cli {
namespace {

result<parsed_args> parse_v(std::vector<const char *> v) {
  v.insert(v.begin(), "remote-agents");
  return parse(static_cast<int>(v.size()), v.data());
}

TEST(ArgsTest, VerbPositionalsAndFlagsInAnyOrder) {
  auto a = parse_v({"--config", "/x.toml", "call", "exec", "--json", "{\"command\":\"ls\"}", "--timeout-ms=5"});
  ASSERT_TRUE(a.is_ok()) << a.error().message();
  EXPECT_EQ(a->verb, "call");
  EXPECT_EQ(a->positional, (std::vector<std::string>{"exec", "{\"command\":\"ls\"}"}));
  EXPECT_EQ(a->value("config"), "/x.toml");
  EXPECT_EQ(a->value("timeout-ms"), "5");
  EXPECT_TRUE(a->has("json"));
}

TEST(ArgsTest, ShortAliasesRepeatablesAndDashes) {
  auto a = parse_v({"exec", "-r", "room1", "-t", "tok", "--plugin-path", "a", "--plugin-path", "b", "--", "ls", "-la"});
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->value("room"), "room1");
  EXPECT_EQ(a->value("token"), "tok");
  EXPECT_EQ(a->all("plugin-path"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(a->after_dashes, (std::vector<std::string>{"ls", "-la"}));
}

TEST(ArgsTest, ErrorsAreClear) {
  struct {
    std::vector<const char *> argv;
    const char *expect;
  } cases[] = {
      {{"--bogus"}, "unknown option '--bogus'"},
      {{"-x"}, "unknown option '-x'"},
      {{"call", "--config"}, "option '--config' needs a value"},
      {{"--json=yes"}, "option '--json' takes no value"},
  };
  for (auto &c : cases) {
    auto a = parse_v(c.argv);
    ASSERT_FALSE(a.is_ok());
    EXPECT_NE(a.error().message().find(c.expect), std::string::npos) << a.error().message();
  }
}

}  // namespace
}  // namespace ra::cli
