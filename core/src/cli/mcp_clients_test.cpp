#include "cli/mcp_clients.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>

#include "util/json.hpp"

namespace ra::cli::mcp {
namespace {

result<parsed_args> parse_v(std::vector<const char *> v) {
  v.insert(v.begin(), "remote-agents");
  return parse(static_cast<int>(v.size()), v.data());
}

server_entry sample(std::vector<std::string> args = {"mcp"}) { return {"remote-agents", "/opt/ra/bin/ra", args}; }

rapidjson::Document parsed(const std::string &text) {
  rapidjson::Document d;
  EXPECT_TRUE(json::parse(text, d)) << text;
  return d;
}

TEST(McpClientsTest, TableHasTheReferenceIdsInOrder) {
  std::vector<std::string> ids;
  for (const auto &c : clients()) ids.emplace_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"claude-desktop", "claude-code", "cursor", "cline", "roo", "kilo",
                                           "windsurf", "zed", "opencode", "continue", "goose"}));
  ASSERT_NE(find_client("roo"), nullptr);
  EXPECT_EQ(find_client("roo")->display, "Roo Code");
  EXPECT_EQ(find_client("Roo"), nullptr);
  EXPECT_EQ(find_client(""), nullptr);
}

TEST(McpClientsTest, ListingPadsIdsTo15) {
  std::string l = listing();
  EXPECT_EQ(l.substr(0, l.find('\n') + 1), "  claude-desktop  Claude Desktop — global (Claude config dir)\n");
  EXPECT_NE(l.find("\n  goose           Goose — YAML — snippet printed\n"), std::string::npos);
  EXPECT_NE(l.find("\n  kilo            Kilo Code — VS Code globalStorage\n"), std::string::npos);
  EXPECT_EQ(std::count(l.begin(), l.end(), '\n'), 11);
}

TEST(McpClientsTest, PathsOnLinuxAndMacos) {
  locations loc{"/home/u", "", "/work/proj"};
  auto p = [&](const char *id, host_os os) { return config_path(*find_client(id), os, loc).string(); };
  EXPECT_EQ(p("claude-desktop", host_os::linux_xdg), "/home/u/.config/Claude/claude_desktop_config.json");
  EXPECT_EQ(p("claude-desktop", host_os::macos),
            "/home/u/Library/Application Support/Claude/claude_desktop_config.json");
  EXPECT_EQ(p("claude-code", host_os::macos), "/work/proj/.mcp.json");
  EXPECT_EQ(p("cursor", host_os::macos), "/home/u/.cursor/mcp.json");
  EXPECT_EQ(p("windsurf", host_os::linux_xdg), "/home/u/.codeium/windsurf/mcp_config.json");
  EXPECT_EQ(p("cline", host_os::linux_xdg),
            "/home/u/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json");
  EXPECT_EQ(p("opencode", host_os::macos), "/home/u/Library/Application Support/opencode/opencode.json");
  EXPECT_EQ(p("continue", host_os::linux_xdg), "/home/u/.continue/config.yaml");
  EXPECT_EQ(p("goose", host_os::linux_xdg), "/home/u/.config/goose/config.yaml");
  loc.xdg_config_home = "/x/cfg";
  EXPECT_EQ(p("zed", host_os::linux_xdg), "/x/cfg/zed/settings.json");
  EXPECT_EQ(p("zed", host_os::macos), "/home/u/Library/Application Support/zed/settings.json");  // XDG is Linux's
}

TEST(McpClientsTest, ArgsInTheReferenceOrderWhateverTheCommandLineOrder) {
  auto a = parse_v({"install-mcp", "--no-agent", "--profile", "full", "--tags", "a,b", "--name", "n", "--token", "t",
                    "--room", "r", "--relay", "wss://x", "--client", "cursor", "--config", "/c.toml"});
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(mcp_args(*a),
            (std::vector<std::string>{"mcp", "--relay", "wss://x", "--room", "r", "--token", "t", "--name", "n",
                                      "--tags", "a,b", "--profile", "full", "--no-agent"}));
  auto b = parse_v({"install-mcp", "--room", "only"});
  ASSERT_TRUE(b);
  EXPECT_EQ(mcp_args(*b), (std::vector<std::string>{"mcp", "--room", "only"}));
}

TEST(McpClientsTest, NewFileForEachShape) {
  auto m = merge("", *find_client("cursor"), sample({"mcp", "--room", "r"}), "f");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_FALSE(m->replaced);
  EXPECT_EQ(m->text,
            "{\n  \"mcpServers\": {\n    \"remote-agents\": {\n      \"command\": \"/opt/ra/bin/ra\",\n"
            "      \"args\": [\n        \"mcp\",\n        \"--room\",\n        \"r\"\n      ]\n    }\n  }\n}\n");

  auto z = merge(" \n\t\r\n", *find_client("zed"), sample(), "f");
  ASSERT_TRUE(z) << z.error().message();
  auto zd = parsed(z->text);
  const auto &ze = zd["context_servers"]["remote-agents"];
  EXPECT_STREQ(ze["source"].GetString(), "custom");
  EXPECT_STREQ(ze["command"].GetString(), "/opt/ra/bin/ra");
  EXPECT_EQ(ze["args"].Size(), 1u);
  EXPECT_TRUE(ze["env"].IsObject() && ze["env"].MemberCount() == 0);

  auto o = merge("{}", *find_client("opencode"), sample({"mcp", "--no-agent"}), "f");
  ASSERT_TRUE(o) << o.error().message();
  auto od = parsed(o->text);
  const auto &oe = od["mcp"]["remote-agents"];
  EXPECT_STREQ(oe["type"].GetString(), "local");
  ASSERT_EQ(oe["command"].Size(), 3u);
  EXPECT_STREQ(oe["command"][0].GetString(), "/opt/ra/bin/ra");
  EXPECT_STREQ(oe["command"][2].GetString(), "--no-agent");
  EXPECT_TRUE(oe["enabled"].GetBool());
  EXPECT_FALSE(oe.HasMember("args"));
}

TEST(McpClientsTest, MergeKeepsEverythingElseAndReplacesOurEntryInPlace) {
  const std::string before = R"({"theme": "dark", "mcpServers": {"a": {"command": "x"},
    "remote-agents": {"command": "old"}, "z": {"command": "y", "args": [1, 2.5, null, true]}},
    "n": 12345678901234, "u": "é\u00e9"})";
  auto m = merge(before, *find_client("claude-desktop"), sample(), "f");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_TRUE(m->replaced);
  auto d = parsed(m->text);
  EXPECT_STREQ(d["theme"].GetString(), "dark");
  EXPECT_EQ(d["n"].GetInt64(), 12345678901234);
  EXPECT_EQ(std::string(d["u"].GetString()), "éé");
  std::vector<std::string> order;
  for (auto &s : d["mcpServers"].GetObject()) order.emplace_back(s.name.GetString());
  EXPECT_EQ(order, (std::vector<std::string>{"a", "remote-agents", "z"}));
  EXPECT_STREQ(d["mcpServers"]["remote-agents"]["command"].GetString(), "/opt/ra/bin/ra");
  EXPECT_EQ(d["mcpServers"]["z"]["args"].Size(), 4u);
  EXPECT_EQ(m->text.back(), '\n');
}

TEST(McpClientsTest, DuplicateOfOurKeyIsDropped) {
  auto m = merge(R"({"mcpServers": {"remote-agents": 1, "b": 2, "remote-agents": 3}})", *find_client("cursor"),
                 sample(), "f");
  ASSERT_TRUE(m) << m.error().message();
  auto d = parsed(m->text);
  EXPECT_EQ(d["mcpServers"].MemberCount(), 2u);
  EXPECT_TRUE(d["mcpServers"]["remote-agents"].IsObject());
}

TEST(McpClientsTest, OtherServerNameIsAddedAlongside) {
  server_entry e = sample();
  e.name = "fleet-2";
  auto m = merge(R"({"mcpServers": {"remote-agents": {"command": "keep"}}})", *find_client("cursor"), e, "f");
  ASSERT_TRUE(m);
  auto d = parsed(m->text);
  EXPECT_STREQ(d["mcpServers"]["remote-agents"]["command"].GetString(), "keep");
  EXPECT_TRUE(d["mcpServers"].HasMember("fleet-2"));
}

TEST(McpClientsTest, RefusesWhatItCannotMergeWithPosition) {
  auto bad = merge("{\n  \"a\": 1,\n  \"b\" 2\n}\n", *find_client("cursor"), sample(), "/p/mcp.json");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), RA_INVALID_ARGUMENT);
  EXPECT_EQ(bad.error().message().rfind("/p/mcp.json:3:7: existing config is not valid JSON (", 0), 0u)
      << bad.error().message();
  EXPECT_NE(bad.error().message().find("refusing to overwrite it"), std::string::npos);
  EXPECT_EQ(bad.error().message().find(".)"), std::string::npos) << "RapidJSON's full stop is dropped";

  auto comments = merge("// zed\n{}", *find_client("zed"), sample(), "s.json");
  ASSERT_FALSE(comments);
  EXPECT_EQ(comments.error().message().rfind("s.json:1:1: existing config is not valid JSON", 0), 0u);

  auto arr = merge("[]", *find_client("cursor"), sample(), "f");
  ASSERT_FALSE(arr);
  EXPECT_EQ(arr.error().message(), "f: existing config root is not a JSON object; refusing to overwrite it");

  auto notobj = merge(R"({"context_servers": []})", *find_client("zed"), sample(), "f");
  ASSERT_FALSE(notobj);
  EXPECT_EQ(notobj.error().message(), "f: existing 'context_servers' is not a JSON object; refusing to overwrite it");

  std::string deep(200, '[');
  auto d = merge(deep + std::string(200, ']'), *find_client("cursor"), sample(), "f");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message().find("nesting"), std::string::npos) << d.error().message();
}

TEST(McpClientsTest, ByteOrderMarkIsSkipped) {
  auto m = merge("\xEF\xBB\xBF{\"x\": 1}", *find_client("cursor"), sample(), "f");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->text.substr(0, 1), "{");
}

TEST(McpClientsTest, LineColCountsCodePoints) {
  EXPECT_EQ(line_col("abc", 0), (std::pair<size_t, size_t>{1, 1}));
  EXPECT_EQ(line_col("a\nbc", 3), (std::pair<size_t, size_t>{2, 2}));
  EXPECT_EQ(line_col("éx", 2), (std::pair<size_t, size_t>{1, 2}));  // é is two bytes, one column
  EXPECT_EQ(line_col("ab", 99), (std::pair<size_t, size_t>{1, 3}));
}

TEST(McpClientsTest, ValidateRefusesEmptyNameAndBadUtf8) {
  EXPECT_TRUE(validate(sample()));
  server_entry e = sample();
  e.name = "";
  EXPECT_FALSE(validate(e));
  e = sample({"mcp", "--room", "\xff"});
  EXPECT_FALSE(validate(e));
}

TEST(McpClientsTest, YamlSnippets) {
  server_entry e = sample({"mcp", "--room", "r \"q\"\\"});
  EXPECT_EQ(yaml_snippet(*find_client("continue"), e),
            "mcpServers:\n  - name: remote-agents\n    command: \"/opt/ra/bin/ra\"\n    args:\n      - \"mcp\"\n"
            "      - \"--room\"\n      - \"r \\\"q\\\"\\\\\"\n");
  EXPECT_EQ(yaml_snippet(*find_client("goose"), sample()),
            "extensions:\n  remote-agents:\n    enabled: true\n    type: stdio\n    cmd: \"/opt/ra/bin/ra\"\n"
            "    args:\n      - \"mcp\"\n");
  e.name = "yes";  // YAML 1.1 would read a bare yes as a boolean
  EXPECT_NE(yaml_snippet(*find_client("goose"), e).find("\n  \"yes\":\n"), std::string::npos);
  e.name = "a: b";
  EXPECT_NE(yaml_snippet(*find_client("continue"), e).find("- name: \"a: b\"\n"), std::string::npos);
}

}  // namespace
}  // namespace ra::cli::mcp
