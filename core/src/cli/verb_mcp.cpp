// verb_mcp.cpp — `remote-agents mcp` (alias `hybrid`): the MCP stdio server for AI hosts. The
// protocol lives in the mcp plugin (a frontend, ABI 1.1 `ra.frontend/1`); this verb starts the
// runtime with that plugin required, joins the room when a token is configured (so the process
// is a full peer, like `run`), and hands stdin/stdout to the plugin's serve(). stdout carries only
// JSON-RPC: nothing here prints to it, and logs go to stderr.
#include <remote_agents/frontend.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>

#include "cli/cli.hpp"
#include "cli/room_presence.hpp"
#include "cli/stop_signals.hpp"
#include "util/json.hpp"

namespace ra::cli {
namespace {

struct frontend {
  ra_instance_t *instance = nullptr;
  const ra_frontend_ext_t *ext = nullptr;
};

result<frontend> find_frontend(runtime &rt, const std::string &id) {
  for (auto &p : rt.plugins().plugins()) {
    if (p->id != id || !p->instance) continue;
    const void *e = p->instance->get_extension ? p->instance->get_extension(p->instance, RA_EXT_FRONTEND) : nullptr;
    auto *ext = static_cast<const ra_frontend_ext_t *>(e);
    if (!ext || ext->struct_size < sizeof(ra_frontend_ext_t) || !ext->serve || !ext->interrupt)
      return status(RA_FAILED_PRECONDITION,
                    "plugin '" + id + "' (" + p->origin + ") is not a frontend (no " + RA_EXT_FRONTEND + " extension)");
    return frontend{p->instance, ext};
  }
  return status(RA_NOT_FOUND, "plugin '" + id + "' is not loaded");
}

}  // namespace

int verb_mcp(const parsed_args &args) {
  auto cfg = effective_config(args);
  if (!cfg) return exit_usage;
  if (auto p = args.value("profile"); p && *p != "minimal" && *p != "standard" && *p != "full") {
    std::fprintf(stderr, "remote-agents: --profile wants minimal, standard or full, got '%s'\n", p->c_str());
    return exit_usage;
  }
  stop_signals signals;  // before any thread starts (see stop_signals.hpp)
  // A client that goes away must not kill us with SIGPIPE mid-write: the server sees EPIPE, stops
  // reading and cancels what runs.
  std::signal(SIGPIPE, SIG_IGN);

  runtime_options ro;
  ro.required_plugins = {"mcp"};
  auto rt = runtime::start(std::move(*cfg), ro);
  if (!rt) {
    std::fprintf(stderr, "remote-agents: %s\n", rt.error().message().c_str());
    return exit_usage;
  }
  auto &r = **rt;
  auto fe = find_frontend(r, "mcp");
  if (!fe) {
    std::fprintf(stderr, "remote-agents: %s\n", fe.error().message().c_str());
    r.shutdown();
    return exit_usage;
  }
  auto presence = room_presence::start(r, /*announce_joined=*/false);
  if (!presence) {
    std::fprintf(stderr, "remote-agents: %s\n", presence.error().message().c_str());
    r.shutdown();
    return exit_usage;
  }
  spdlog::info("mcp: serving on stdio as '{}' ({}), mode {}", r.cfg().name, r.agent_id(),
               policy::mode_name(r.current_mode()));

  // A stop signal makes serve() return; the client closing stdin does too.
  signals.watch([&](int sig) {
    spdlog::info("signal {}: stopping the MCP server", sig);
    fe->ext->interrupt(fe->instance);
  });
  std::string options = "{\"profile\":" + json::quote(args.value("profile").value_or("")) + "}";
  int code = fe->ext->serve(fe->instance, 0, 1, options.c_str(), options.size());
  signals.stop();

  // Calls and plugins end while the room link is still up: peers get the cancelled replies and the
  // events sent on the way out (task.finished for a task the stop failed); then leave the room.
  r.quiesce();
  (*presence)->stop();
  r.shutdown();
  return code == 0 ? exit_ok : exit_failed;
}

}  // namespace ra::cli
