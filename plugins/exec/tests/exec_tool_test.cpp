#include "exec_tool.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace ra_exec {
namespace {

TEST(ExecToolTest, SettingsDefaultsAndErrors) {
  std::string err;
  auto s = parse_settings("{}", err);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->shell, "/bin/sh");
  EXPECT_EQ(s->default_timeout_ms, 300000);
  EXPECT_EQ(s->max_output_bytes, 131072u);
  s = parse_settings(R"({"default_timeout_secs":5,"max_output_bytes":10,"env":{"A":"b"}})", err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->default_timeout_ms, 5000);
  EXPECT_EQ(s->env, (std::vector<std::string>{"A=b"}));
  for (const char *bad :
       {R"({"shell":"sh"})", R"({"colour":1})", R"({"default_timeout_secs":0})", R"({"env":{"A-B":"x"}})", "[]"}) {
    EXPECT_FALSE(parse_settings(bad, err)) << bad;
    EXPECT_FALSE(err.empty());
  }
}

TEST(ExecToolTest, ArgsApplyDefaultsAndLimits) {
  std::string err;
  exec_settings s;
  auto a = parse_args(R"({"command":"ls","env":{"X":"1"},"stdin":"in"})", s, err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->timeout_ms, 300000);
  EXPECT_EQ(a->max_output, 131072u);
  EXPECT_TRUE(a->has_stdin);
  EXPECT_EQ(a->env.back(), "X=1");
  EXPECT_FALSE(parse_args(R"({"command":"ls","max_output_bytes":1073741824})", s, err));
  EXPECT_NE(err.find("exceeds this host's limit"), std::string::npos);
  EXPECT_FALSE(parse_args(R"({"command":"ls","env":{"1X":"a"}})", s, err));
}

TEST(ExecToolTest, ChunkerNeverSplitsACharacter) {
  std::string text = "aé€𝄞z";
  // Feed every split point of the text, one byte at a time and in two halves.
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    utf8_chunker c;
    std::string a = c.feed(text.substr(0, cut));
    std::string b = c.feed(text.substr(cut));
    std::string rest = c.flush();
    EXPECT_EQ(a + b + rest, text);
    EXPECT_TRUE(rest.empty());
    rapidjson::Document d;
    d.Parse(partial_event(RA_SPAWN_STDOUT, a).c_str());
    ASSERT_FALSE(d.HasParseError());
    EXPECT_EQ(std::string(d["data"].GetString()), a) << "chunk " << cut << " was cut inside a character";
  }
  utf8_chunker c;
  std::string out;
  for (char ch : text) out += c.feed(std::string(1, ch));
  EXPECT_EQ(out + c.flush(), text);
}

TEST(ExecToolTest, ResultJsonCarriesEverything) {
  ra_spawn_result_t r{};
  r.struct_size = sizeof r;
  r.exit_code = -1;
  r.term_signal = 9;
  r.timed_out = true;
  r.stdout_truncated = true;
  r.stdout_bytes = 10;
  r.duration_ms = 12;
  std::string j = result_json("ok\xff", "", r, 500);
  rapidjson::Document d;
  d.Parse(j.c_str());
  ASSERT_FALSE(d.HasParseError()) << j;
  EXPECT_STREQ(d["stdout"].GetString(), "ok\xef\xbf\xbd");
  EXPECT_STREQ(d["stdout_base64"].GetString(), "b2v/");
  EXPECT_STREQ(d["stderr"].GetString(), "[command timed out after 500ms]");
  EXPECT_EQ(d["signal"].GetInt(), 9);
  EXPECT_FALSE(d["success"].GetBool());
  EXPECT_TRUE(d["stdout_truncated"].GetBool());
}

}  // namespace
}  // namespace ra_exec
