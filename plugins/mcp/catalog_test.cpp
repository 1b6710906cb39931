// Unit tests of the MCP catalogue (what is listed, per profile and per room) and of routing and
// rendering (one MCP call → one dispatch; a dispatch document → text, structuredContent, isError).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>

#include "catalog.hpp"
#include "render.hpp"

namespace ra::mcp {
namespace {

const char *exec_tool =
    R"({"name":"exec","title":"Run","description":"Run a command. More detail here.","inputSchema":{"type":"object","properties":{"command":{"type":"string"},"timeout_ms":{"type":"integer"}},"required":["command"],"additionalProperties":false},"outputSchema":{"type":"object","properties":{"stdout":{"type":"string"}}},"annotations":{"readOnlyHint":false,"destructiveHint":true,"idempotentHint":false,"openWorldHint":true},"permission":"exec","long_running":true,"streams":true})";
const char *info_tool =
    R"({"name":"get_info","title":"Info","description":"Host info.","inputSchema":{"type":"object","properties":{}},"annotations":{"readOnlyHint":true}})";
const char *git_tool =
    R"({"name":"git_status","title":"Git status","description":"Status.","inputSchema":{"type":"object","properties":{"repo":{"type":"string"}},"required":["repo"]}})";
const char *write_tool =
    R"({"name":"write_file","title":"Write","description":"Write.","inputSchema":{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"},"create_backup":{"type":"boolean"}},"required":["path","content"]}})";

std::string describe(bool self_accepts, bool relay, const std::string &self_tools, const std::string &peers) {
  return std::string(R"({"self":{"id":"self-id","name":"ai","mode":"plan","os":"linux","accepts_commands":)") +
         (self_accepts ? "true" : "false") + R"(,"tools":[)" + self_tools + R"(]},"relay":{"configured":)" +
         (relay ? "true" : "false") + R"(,"joined":)" + (relay ? "true" : "false") + R"(},"peers":[)" + peers + "]}";
}

std::string peer(const std::string &name, bool accepts, const std::string &tools) {
  return R"({"id":")" + name + R"(-id","name":")" + name + R"(","peer_id":"p-)" + name +
         R"(","mode":"edit","os":"linux","tags":["web"],"accepts_commands":)" + (accepts ? "true" : "false") +
         R"(,"tools":[)" + tools + "]}";
}

std::set<std::string> names(const catalog &c) {
  std::set<std::string> s;
  for (auto &t : c.tools) s.insert(t.name);
  return s;
}

rapidjson::Document descriptor(const catalog &c, const std::string &name) {
  rapidjson::Document d;
  d.Parse(c.find(name)->descriptor.c_str());
  return d;
}

bool requires_arg(const rapidjson::Value &schema, const char *name) {
  if (!schema.HasMember("required")) return false;
  for (auto &r : schema["required"].GetArray())
    if (std::string(r.GetString()) == name) return true;
  return false;
}

TEST(Catalog, LocalOnlyListsLocalToolsWithoutAgentIdOrFleetTools) {
  auto c = build_catalog(describe(true, false, std::string(exec_tool) + "," + info_tool, ""), profile::standard);
  EXPECT_EQ(names(c), (std::set<std::string>{"exec", "get_info", "list_agents", "op_wait", "op_result", "op_cancel"}));
  auto d = descriptor(c, "exec");
  EXPECT_FALSE(d["inputSchema"]["properties"].HasMember("agent_id"));
  EXPECT_FALSE(d["outputSchema"]["properties"]["result"].HasMember("properties"));  // standard: top level only
  EXPECT_FALSE(d["annotations"].HasMember("title"));
  auto full = build_catalog(describe(true, false, exec_tool, ""), profile::full);
  auto f = descriptor(full, "exec");
  EXPECT_TRUE(f["outputSchema"]["properties"]["result"]["properties"].HasMember("stdout"));
  EXPECT_EQ(std::string(f["annotations"]["title"].GetString()), "Run");
  EXPECT_TRUE(d["annotations"]["destructiveHint"].GetBool());
  EXPECT_FALSE(c.relay_configured);
}

TEST(Catalog, WithARelayToolsTakeAgentIdAndFleetToolsAppearForToolsSomeHostRuns) {
  auto c = build_catalog(describe(true, true, exec_tool, peer("web-1", true, std::string(git_tool) + "," + write_tool)),
                         profile::standard);
  auto n = names(c);
  for (const char *t : {"exec", "git_status", "write_file", "fleet_exec", "fleet_git", "fleet_write", "list_agents"})
    EXPECT_TRUE(n.count(t)) << t;
  EXPECT_FALSE(n.count("fleet_read"));  // nobody runs read_file
  auto exec = descriptor(c, "exec");
  EXPECT_TRUE(exec["inputSchema"]["properties"].HasMember("agent_id"));
  EXPECT_FALSE(requires_arg(exec["inputSchema"], "agent_id"));  // this host runs exec
  auto git = descriptor(c, "git_status");
  EXPECT_TRUE(requires_arg(git["inputSchema"], "agent_id"));  // only web-1 does
  EXPECT_NE(std::string(git["description"].GetString()).find("Runs on: web-1"), std::string::npos);
  auto fw = descriptor(c, "fleet_write");
  EXPECT_TRUE(requires_arg(fw["inputSchema"], "target"));
  EXPECT_FALSE(fw["inputSchema"]["properties"].HasMember("create_backup"));
  EXPECT_EQ(c.hosts.size(), 2u);
}

TEST(Catalog, HostsThatRunNoCommandsContributeNoTools) {
  auto c = build_catalog(describe(false, true, exec_tool, peer("cli", false, git_tool)), profile::full);
  auto n = names(c);
  EXPECT_FALSE(n.count("exec"));  // --no-agent: this host's tools are not reachable
  EXPECT_FALSE(n.count("git_status"));
  EXPECT_FALSE(n.count("fleet_exec"));
  EXPECT_TRUE(n.count("list_agents"));
}

TEST(Catalog, DisabledHostsContributeNoTools) {
  std::string p = peer("web-1", true, git_tool);
  p.replace(p.find("\"mode\":\"edit\""), 13, "\"mode\":\"disabled\"");
  auto c = build_catalog(describe(true, true, exec_tool, p), profile::full);
  EXPECT_FALSE(names(c).count("git_status"));
  EXPECT_EQ(c.hosts.size(), 2u);  // still listed by list_agents
}

TEST(Catalog, ProfilesTrimTheList) {
  std::string d =
      describe(true, true, std::string(exec_tool) + "," + info_tool + "," + write_tool, peer("w", true, git_tool));
  auto minimal = build_catalog(d, profile::minimal);
  auto standard = build_catalog(d, profile::standard);
  auto full = build_catalog(d, profile::full);
  EXPECT_EQ(names(minimal),
            (std::set<std::string>{"exec", "write_file", "fleet_exec", "list_agents", "op_wait", "op_result"}));
  EXPECT_LT(minimal.list_json(true).size(), standard.list_json(true).size());
  EXPECT_LE(standard.tools.size(), full.tools.size());
  // Minimal keeps only the first sentence of a description.
  EXPECT_EQ(std::string(descriptor(minimal, "exec")["description"].GetString()), "Run a command.");
}

TEST(Catalog, OldProtocolsGetNoOutputSchemaOrTitle) {
  auto c = build_catalog(describe(true, false, exec_tool, ""), profile::standard);
  EXPECT_NE(c.list_json(true).find("outputSchema"), std::string::npos);
  std::string old = c.list_json(false);
  EXPECT_EQ(old.find("outputSchema"), std::string::npos);
  EXPECT_EQ(old.find("\"title\":\"Run\",\"description\""), std::string::npos);
  rapidjson::Document d;
  d.Parse(old.c_str());
  ASSERT_TRUE(d.IsObject());
  EXPECT_TRUE(d["tools"].IsArray());
}

TEST(Catalog, MalformedDescribeGivesOnlyTheServersOwnTools) {
  auto c = build_catalog("not json", profile::standard);
  EXPECT_EQ(names(c), (std::set<std::string>{"list_agents", "op_wait", "op_result", "op_cancel"}));
}

TEST(Catalog, FingerprintChangesWhenAToolAppears) {
  auto a = build_catalog(describe(true, true, exec_tool, ""), profile::standard);
  auto b = build_catalog(describe(true, true, exec_tool, peer("web-1", true, git_tool)), profile::standard);
  EXPECT_NE(a.fingerprint(), b.fingerprint());
  auto a2 = build_catalog(describe(true, true, exec_tool, ""), profile::standard);
  EXPECT_EQ(a.fingerprint(), a2.fingerprint());
}

rapidjson::Document args(const char *json) {
  rapidjson::Document d;
  d.Parse(json);
  return d;
}

TEST(Route, BaseToolsMoveAgentIdToTheTarget) {
  auto c = build_catalog(describe(true, true, exec_tool, ""), profile::standard);
  auto r = route_call(*c.find("exec"), args(R"({"command":"ls","agent_id":"web-1","timeout_ms":5000})"));
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.tool, "exec");
  EXPECT_EQ(r.target, "web-1");
  EXPECT_FALSE(r.fleet);
  EXPECT_EQ(r.args_json, R"({"command":"ls","timeout_ms":5000})");
  EXPECT_EQ(r.timeout_ms, 15000);  // the tool's own timeout fires before the transport's
  auto bad = route_call(*c.find("exec"), args(R"({"command":"ls","agent_id":7})"));
  EXPECT_NE(bad.error.find("agent_id must be a string"), std::string::npos);
}

TEST(Route, FleetToolsNeedATargetAndMapToTheUnderlyingTool) {
  auto c = build_catalog(describe(true, true, std::string(exec_tool) + "," + git_tool + "," + write_tool, ""),
                         profile::full);
  auto r = route_call(*c.find("fleet_exec"), args(R"({"command":"uptime","target":"tag:web"})"));
  EXPECT_TRUE(r.fleet);
  EXPECT_EQ(r.tool, "exec");
  EXPECT_EQ(r.target, "tag:web");
  EXPECT_EQ(r.args_json, R"({"command":"uptime"})");
  EXPECT_NE(route_call(*c.find("fleet_exec"), args(R"({"command":"x"})")).error.find("target is required"),
            std::string::npos);
  EXPECT_NE(route_call(*c.find("fleet_exec"), args(R"({"command":"x","target":"  "})")).error.find("target"),
            std::string::npos);
  auto g = route_call(*c.find("fleet_git"), args(R"({"target":"all","op":"pull","repo":"/r","message":"m"})"));
  EXPECT_EQ(g.tool, "git_pull");
  EXPECT_EQ(g.args_json, R"({"repo":"/r"})");
  EXPECT_NE(route_call(*c.find("fleet_git"), args(R"({"target":"all","op":"rebase","repo":"/r"})"))
                .error.find("unknown git op 'rebase'"),
            std::string::npos);
  auto w =
      route_call(*c.find("fleet_write"), args(R"({"target":"all","path":"/p","content":"c","create_backup":false})"));
  EXPECT_EQ(w.args_json, R"({"path":"/p","content":"c","create_backup":true})");
}

TEST(Route, FleetCallRunsAnyToolOnATarget) {
  auto c = build_catalog(describe(true, true, exec_tool, ""), profile::standard);
  ASSERT_NE(c.find("fleet_call"), nullptr);
  auto r =
      route_call(*c.find("fleet_call"),
                 args(R"({"target":"tag:web","tool":"schedule_add","arguments":{"name":"n","cron":"* * * * *"}})"));
  EXPECT_TRUE(r.error.empty());
  EXPECT_TRUE(r.fleet);
  EXPECT_EQ(r.tool, "schedule_add");
  EXPECT_EQ(r.target, "tag:web");
  EXPECT_EQ(r.args_json, R"({"name":"n","cron":"* * * * *"})");
  EXPECT_NE(route_call(*c.find("fleet_call"), args(R"({"target":"all"})")).error.find("tool is required"),
            std::string::npos);
  EXPECT_NE(route_call(*c.find("fleet_call"), args(R"({"target":"all","tool":"x","arguments":[1]})"))
                .error.find("arguments must be a JSON object"),
            std::string::npos);
  auto local = build_catalog(describe(true, false, exec_tool, ""), profile::standard);
  EXPECT_EQ(local.find("fleet_call"), nullptr);  // no relay, no fleet tools
}

TEST(Catalog, InternalToolsAreNotListed) {
  std::string internal =
      R"({"name":"task_run","title":"t","description":"d","inputSchema":{"type":"object"},"internal":true})";
  auto c = build_catalog(describe(true, false, std::string(exec_tool) + "," + internal, ""), profile::full);
  EXPECT_EQ(c.find("task_run"), nullptr);
  EXPECT_NE(c.find("exec"), nullptr);
}

TEST(Render, ExecResultsUseTheReferenceFormat) {
  auto r = render_single(
      "exec",
      R"({"host":{"name":"web-1","local":false},"outcome":"ok","status":"ok","result":{"stdout":"hi\n","stderr":"oops\n","exit_code":2,"duration_ms":12,"timed_out":true},"message":"","duration_ms":13})");
  EXPECT_FALSE(r.is_error);
  EXPECT_EQ(r.text, "hi\n--- stderr ---\noops\n[exit code: 2, 12ms, TIMED OUT]");
  EXPECT_NE(r.structured_json.find("\"web-1\""), std::string::npos);
}

TEST(Render, FailuresAreErrorsThatSayWhy) {
  auto denied = render_single(
      "exec",
      R"({"host":{"name":"db-1","local":false},"outcome":"denied","status":"permission_denied","result":null,"message":"plan mode"})");
  EXPECT_TRUE(denied.is_error);
  EXPECT_EQ(denied.text, "Refused by the safety policy on db-1: plan mode");
  EXPECT_EQ(denied.structured_json.find("\"result\""), std::string::npos);  // valid against the output schema
  auto invalid = render_single(
      "exec", R"({"host":{"name":"ai","local":true},"outcome":"invalid","message":"command is missing"})");
  EXPECT_EQ(invalid.text, "Invalid arguments for tool 'exec': command is missing");
  auto mode = render_single("set_mode", R"({"host":{"local":true},"outcome":"ok","result":{"mode":"edit"}})");
  EXPECT_EQ(mode.text, "Mode set to Edit");
  EXPECT_TRUE(render_single("exec", "garbage").is_error);
}

TEST(Render, FleetIsAnErrorOnlyWhenNothingRan) {
  auto some = render_fleet("exec", R"({"hosts":[{"outcome":"ok"},{"outcome":"denied"}],"text":"grouped"})");
  EXPECT_FALSE(some.is_error);
  EXPECT_EQ(some.text, "grouped");
  auto none = render_fleet("exec", R"({"hosts":[{"outcome":"unreachable"}],"text":"t"})");
  EXPECT_TRUE(none.is_error);
}

TEST(Render, StructuredContentOnlyForModernClients) {
  tool_result r;
  r.text = "a\nb";
  r.structured_json = R"({"x":1})";
  EXPECT_EQ(result_json(r, true), R"({"content":[{"type":"text","text":"a\nb"}],"structuredContent":{"x":1}})");
  EXPECT_EQ(result_json(r, false), R"({"content":[{"type":"text","text":"a\nb"}]})");
  r.is_error = true;
  EXPECT_NE(result_json(r, false).find("\"isError\":true"), std::string::npos);
}

TEST(McpRender, EventTextNamesTheTaskTheHostAndHowItEnded) {
  const char *web = R"({"agent_id":"a1","name":"web-1","peer_id":"p","local":false})";
  EXPECT_EQ(event_text(web, "task.finished", R"({"id":"t-1","state":"done","exit_code":0,"duration_ms":1234})"),
            "task t-1 on web-1 finished: done (exit code 0, 1.2 s)");
  EXPECT_EQ(event_text(web, "task.finished",
                       R"({"id":"t-2","state":"failed","exit_code":3,"error":"runner exited with code 3"})"),
            "task t-2 on web-1 finished: failed (exit code 3; runner exited with code 3)");
  EXPECT_EQ(event_text(R"({"agent_id":"a9","name":"","peer_id":"p"})", "job.fired", "{}"), "job.fired from a9");
  EXPECT_EQ(event_text("not json", "task.finished", "[]"), "task  on an unknown host finished: ");
}

}  // namespace
}  // namespace ra::mcp
