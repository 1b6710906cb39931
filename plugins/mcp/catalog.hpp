// catalog.hpp — which MCP tools this server lists, built from the host's catalogue (describe:
// this host and every peer with their tool descriptors) and the chosen profile, and how one MCP
// tool call becomes a dispatch (tool, arguments, target, fleet or not).
//
// The tool names and arguments are the reference's (REFERENCE-SPEC §6.3–6.4): every tool some
// reachable host runs is listed under its own name with an optional `agent_id` (absent = this
// host); `fleet_*` tools take a `target` expression; `list_agents` comes from the catalogue; the
// `op_*` tools reach calls that outlived the client's patience (server.hpp). A tool is listed
// only if some reachable host can run it.
// Thread safety: pure functions over values.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ra::mcp {

enum class profile { minimal, standard, full };
std::optional<profile> parse_profile(std::string_view text);
std::string_view profile_name(profile p);

enum class tool_kind { base, fleet, list_agents, op_wait, op_result, op_cancel };

struct host_view {
  std::string agent_id, name, peer_id, mode, os, version;
  std::vector<std::string> tags;
  bool self = false;
  bool accepts_commands = false;
  size_t tool_count = 0;
};

struct mcp_tool {
  std::string name;
  tool_kind kind = tool_kind::base;
  std::string underlying;  // the hosts' tool it calls (base and fleet)
  std::string descriptor;  // the MCP tool object (compact JSON), with outputSchema and title
  bool long_running = false;
  bool streams = false;
};

struct catalog {
  std::vector<mcp_tool> tools;
  std::vector<host_view> hosts;  // this host first, then peers that sent their info
  bool relay_configured = false;
  bool relay_joined = false;
  std::string self_name;

  const mcp_tool *find(std::string_view name) const;
  // {"tools":[…]} for tools/list. Before protocol 2025-06-18 there is no outputSchema and no
  // top-level title, so they are left out for older clients.
  std::string list_json(bool modern) const;
  // Tool names and descriptors: equal fingerprints mean an identical tools/list.
  std::string fingerprint() const;
};

// Builds the catalogue from describe's document (sdk/docs/abi.md R63). A malformed document
// gives an empty catalogue with only list_agents and the op tools.
catalog build_catalog(std::string_view describe_json, profile p);

// One MCP call as a host dispatch. `error` set = the arguments are wrong (an isError result).
struct routed_call {
  std::string tool;
  std::string args_json = "{}";
  std::string target;  // "" = this host
  bool fleet = false;
  int64_t timeout_ms = 0;  // per host; 0 = the host's default
  std::string error;
};
routed_call route_call(const mcp_tool &t, const rapidjson::Value &arguments);

// list_agents' answer from the catalogue: {"agents":[…],"relay":{…}} and its text.
std::string agents_json(const catalog &c);

}  // namespace ra::mcp
