// cli/cli.hpp — the remote-agents command line: verbs and their shared plumbing.
// Exit codes: 0 ok · 1 the tool or command failed · 2 usage, config or argument error ·
// 3 refused by the safety policy · 4 timed out.
// Thread safety: verbs run on the process's main thread.
#pragma once

#include "cli/args.hpp"
#include "config/config.hpp"
#include "dispatch/dispatcher.hpp"

namespace ra::cli {

enum exit_code { exit_ok = 0, exit_failed = 1, exit_usage = 2, exit_denied = 3, exit_timeout = 4 };

int main(int argc, char **argv);

// The effective config for verbs that run the daemon: file (from --config or the default path),
// then REMOTE_AGENTS_* env, then flags. Errors are printed; nullopt means "exit 2".
std::optional<config::config> effective_config(const parsed_args &args);

int verb_init(const parsed_args &args);
int verb_config(const parsed_args &args);
int verb_tools(const parsed_args &args);
int verb_call(const parsed_args &args);
int verb_run(const parsed_args &args);
int verb_mode(const parsed_args &args);
int verb_install(const parsed_args &args);  // verb_install.cpp: the daemon as a service
int verb_uninstall(const parsed_args &args);
// Fleet verbs (verb_fleet.cpp): they join the room send-only, do their work and leave.
int verb_agents(const parsed_args &args);
int verb_call_fleet(const parsed_args &args);  // `call --target T …`
int verb_exec(const parsed_args &args);
// verb_mcp.cpp: the MCP stdio server (`mcp`, alias `hybrid`), served by the mcp plugin.
int verb_mcp(const parsed_args &args);
// verb_install_mcp.cpp: register `remote-agents mcp` in an MCP client's config.
int verb_install_mcp(const parsed_args &args);

// A --<name> flag that must be a positive number of milliseconds: absent leaves `out` alone; a bad
// value prints the error and returns false (exit 2).
bool positive_ms_flag(const parsed_args &args, const char *name, int64_t &out);

// `call`'s tool, arguments ('<json>' or - for stdin) and --timeout-ms; prints the error itself.
bool parse_call_request(const parsed_args &args, dispatch::request &req);

}  // namespace ra::cli
