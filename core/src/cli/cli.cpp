#include "cli/cli.hpp"

#include <cstdio>
#include <iostream>

#include "build_config.h"
#include "log/log.hpp"

namespace ra::cli {
namespace {

constexpr const char *usage = R"(remote-agents — control a fleet of machines as one computer

usage: remote-agents [global options] <command> [arguments]

commands:
  run                     start the daemon: load plugins and serve calls until SIGTERM/SIGINT
  tools [--json]          list loaded plugins and their tools with input schemas
  call <tool> '<json>'    run one tool locally and print its result [--json] [--timeout-ms N]
  agents [--json]         join the room and list its hosts (name, id, mode, os, tags, tools)
  call --target T <tool> '<json>'
                          run one tool on every host the target selects; grouped results
  exec [--target T] [--stream] -- <command…>
                          run a shell command locally, or on the target's hosts with grouped output
                          (--stream: also show each host's lines as they come, prefixed by host;
                          --timeout-ms: each host's limit; --deadline-ms: the whole fleet call's)
                          (targets: all | <id or name> | web,db | os:linux | tag:web and not name:db-*)
  mode [plan|edit|bypass|disabled]
                          show or set this machine's safety mode (operator only, local)
  init [--force]          write a commented config file with every key and its default
  config                  print the config file's settings, secrets masked
  config check [FILE]     validate a config file: errors and warnings with file:line:col
  install [--relay URL --room R --token T --name N --tags a,b --no-agent]
                          run the daemon as a service: systemd user unit (system unit as root) or
                          macOS LaunchAgent; the token goes to a 0600 env file, never the command line
                          [--user|--system] [--no-start] [--root DIR] [--mode M]
  uninstall               stop, disable and remove that service [--user|--system] [--root DIR]
  mcp [--profile minimal|standard|full]
                          MCP server on stdin/stdout for AI hosts (alias: hybrid); with a room token
                          it also joins the room, so every host's tools are reachable
  install-mcp [--client ID] [--server-name S]
                          register `remote-agents mcp` (with the connection flags given) in an MCP
                          client's config; without --client, list the supported clients

global options:
  --config FILE           config file (default: $XDG_CONFIG_HOME/remote-agents/config.toml)
  --plugin-path DIR       extra plugin directory (repeatable; also $RA_PLUGIN_PATH)
  --log-level LEVEL       trace|debug|info|warn|error|off (default: config log_level, info)
  --relay URL --room R --token T --name N --tags a,b --no-agent --relay-token T
                          connection settings (override REMOTE_AGENTS_* and the config file);
                          with a room token, `run` joins the room and executes peers' calls
  --version, --help

exit codes: 0 ok, 1 failed, 2 usage/config/argument error, 3 refused by policy, 4 timed out
)";

}  // namespace

int main(int argc, char **argv) {
  auto args = parse(argc, argv);
  if (!args) {
    std::fprintf(stderr, "remote-agents: %s\n(see remote-agents --help)\n", args.error().message().c_str());
    return exit_usage;
  }
  if (args->has("version")) {
    std::printf("remote-agents %s\n", RA_VERSION);
    return exit_ok;
  }
  if (args->has("help") || args->verb == "help") {
    std::fputs(usage, stdout);
    return exit_ok;
  }
  if (args->verb.empty()) {
    std::fputs(usage, stderr);
    return exit_usage;
  }
  ra::log::init(args->value("log-level").value_or("warn"));

  const std::string &v = args->verb;
  if (v == "init") return verb_init(*args);
  if (v == "config") return verb_config(*args);
  if (v == "tools") return verb_tools(*args);
  if (v == "call") return verb_call(*args);
  if (v == "run") return verb_run(*args);
  if (v == "mode") return verb_mode(*args);
  if (v == "install") return verb_install(*args);
  if (v == "uninstall") return verb_uninstall(*args);
  if (v == "agents") return verb_agents(*args);
  if (v == "exec") return verb_exec(*args);
  if (v == "mcp" || v == "hybrid") return verb_mcp(*args);
  if (v == "install-mcp") return verb_install_mcp(*args);
  std::fprintf(stderr, "remote-agents: unknown command '%s' (see remote-agents --help)\n", v.c_str());
  return exit_usage;
}

bool positive_ms_flag(const parsed_args &args, const char *name, int64_t &out) {
  auto text = args.value(name);
  if (!text) return true;
  char *end = nullptr;
  long long v = std::strtoll(text->c_str(), &end, 10);
  if (!end || *end || v <= 0) {
    std::fprintf(stderr, "remote-agents: --%s wants a positive integer, got '%s'\n", name, text->c_str());
    return false;
  }
  out = v;
  return true;
}

std::optional<config::config> effective_config(const parsed_args &args) {
  std::optional<std::filesystem::path> path;
  if (auto c = args.value("config")) path = *c;
  auto loaded = config::load(path);
  if (!loaded) {
    std::fprintf(stderr, "remote-agents: %s\n", loaded.error().message().c_str());
    return std::nullopt;
  }
  for (auto &w : loaded->warnings) std::fprintf(stderr, "warning: %s\n", w.to_string().c_str());
  config::config cfg = std::move(loaded->cfg);
  config::apply_env(cfg, config::process_env());
  config::overrides o;
  o.relay = args.value("relay");
  o.room = args.value("room");
  o.token = args.value("token");
  o.name = args.value("name");
  o.relay_token = args.value("relay-token");
  if (auto t = args.value("tags")) {
    std::vector<std::string> tags;
    size_t start = 0;
    while (start <= t->size()) {
      size_t comma = t->find(',', start);
      tags.push_back(t->substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    o.tags = tags;
  }
  o.no_agent = args.has("no-agent");
  o.plugin_path = args.all("plugin-path");
  config::apply_overrides(cfg, o);
  // The level from the flag wins; otherwise the config's.
  if (!args.value("log-level")) spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  return cfg;
}

}  // namespace ra::cli
