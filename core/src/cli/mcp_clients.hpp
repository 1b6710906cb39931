// cli/mcp_clients.hpp — the pure half of `install-mcp`: the table of MCP clients we know, where
// each keeps its config, the server entry (`remote-agents mcp` plus the connection flags), and the
// merge of that entry into a client's existing JSON config text. No I/O here, so all of it is
// unit-tested; verb_install_mcp.cpp reads, backs up and writes the files.
// Thread safety: pure functions over immutable tables.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/args.hpp"
#include "util/status.hpp"

namespace ra::cli::mcp {

// How a client stores MCP servers. The YAML ones are only printed: merging YAML without a YAML
// library would lose the user's formatting and comments (the reference does the same).
enum class shape {
  mcp_servers,      // {"mcpServers": {name: {"command", "args"}}}
  context_servers,  // Zed: {"context_servers": {name: {"source": "custom", "command", "args", "env": {}}}}
  opencode,         // {"mcp": {name: {"type": "local", "command": [exe, args...], "enabled": true}}}
  yaml_continue,    // ~/.continue/config.yaml, printed only
  yaml_goose,       // goose config.yaml, printed only
};

// Whose conventions decide the config directory. Compile-time OS by default; --platform overrides
// it so the macOS paths can be tested on Linux.
enum class host_os { linux_xdg, macos };

// Where a path in the table is anchored.
enum class anchor {
  config_dir,  // Linux: $XDG_CONFIG_HOME or ~/.config; macOS: ~/Library/Application Support
  home,        // ~
  cwd,         // the current working directory (project-local config)
};

struct client {
  std::string_view id;
  std::string_view display;
  std::string_view note;  // the listing's hint at where the file lives
  shape kind;
  anchor base;
  std::string_view relative;  // path below `base`
};

// Every supported client, in listing order.
std::span<const client> clients();
const client *find_client(std::string_view id);
// One line per client: "  <id padded to 15> <display> — <note>\n".
std::string listing();

struct locations {
  std::filesystem::path home;             // $HOME (absolute)
  std::filesystem::path xdg_config_home;  // empty unless $XDG_CONFIG_HOME is absolute
  std::filesystem::path cwd;
};

std::filesystem::path config_dir(host_os os, const locations &loc);
std::filesystem::path config_path(const client &c, host_os os, const locations &loc);

// The server entry we register: command + args, under `name` in the client's container.
struct server_entry {
  std::string name;
  std::string command;
  std::vector<std::string> args;
};

// ["mcp"] + --relay, --room, --token, --name, --tags, --profile (each only if given, in this order)
// + --no-agent if set.
std::vector<std::string> mcp_args(const parsed_args &args);

// Refuses strings that are not well-formed UTF-8 (they cannot be written as JSON) and an empty
// server name.
status validate(const server_entry &e);

// 1-based line and column (in code points) of byte `offset` in `text`, for parse errors.
std::pair<size_t, size_t> line_col(std::string_view text, size_t offset);

struct merged {
  std::string text;  // pretty JSON, 2-space indent, trailing newline
  bool replaced{};   // an entry of that name was already there
};

// `existing` (the file's contents; empty or whitespace means a new file) with the entry set under
// the client's container key, every other key kept. Errors are invalid_argument and read
// "<label>:<line>:<col>: existing config is not valid JSON (<why>); refusing to overwrite it", or
// "<label>: existing config root is not a JSON object; refusing to overwrite it", or
// "<label>: existing '<key>' is not a JSON object; refusing to overwrite it". JSON clients only.
result<merged> merge(std::string_view existing, const client &c, const server_entry &e, std::string_view label);

// The YAML text to paste into a continue or goose config (values double-quoted, JSON escapes).
std::string yaml_snippet(const client &c, const server_entry &e);

}  // namespace ra::cli::mcp
