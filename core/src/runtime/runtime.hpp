// runtime/runtime.hpp — assembles the core services of one daemon process from its config: the
// main strand and worker pool, mode store and policy rules, backups, the process supervisor, the
// plugin loader and registry, the core's built-in tools, and the dispatcher. Every frontend (the
// CLI today; the relay link and MCP next) drives the process through this one object.
// Thread safety: construct and shut down on one thread; dispatcher() is thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "dispatch/dispatcher.hpp"
#include "dispatch/router.hpp"
#include "plugin_host/loader.hpp"
#include "policy/mode_store.hpp"
#include "policy/policy.hpp"

namespace ra {

struct runtime_options {
  std::vector<std::string> plugin_dirs;  // extra search dirs (flags), before config and env
  bool load_plugins = true;
  // Plugins that must load for this verb (e.g. "mcp" for `remote-agents mcp`): added to the config's
  // set as required unless the config names them; a config that disables one is an error.
  std::vector<std::string> required_plugins;
};

class runtime {
 public:
  // Starts everything; a required plugin that fails to load is an error (its one line).
  static result<std::unique_ptr<runtime>> start(config::config cfg, runtime_options opts);
  ~runtime();

  dispatch::dispatcher &dispatcher();
  // Frontends' calls to this host, a peer or a fleet (the host table's dispatch slot).
  dispatch::router &router();
  plugin_host::registry &tools();
  const plugin_host::loader &plugins() const;
  policy::mode_store &modes();
  const config::config &cfg() const;
  const std::string &agent_id() const;
  // Ctrl-C: refuses new calls and cancels every call in flight (their process groups are killed).
  void interrupt();
  policy::mode current_mode() const;

  // Set by a frontend that joined a relay, before it serves peers: `peers_json` returns the other
  // hosts as JSON objects (comma-separated, no brackets) for list_agents; `info_changed` runs
  // after this host's mode changed so peers can be told. Both are called on the main strand.
  struct peer_hooks {
    std::function<std::string()> peers_json;
    std::function<void()> info_changed;
  };
  void set_peer_hooks(peer_hooks hooks);
  const peer_hooks &hooks() const;
  // The first half of shutdown: refuse new calls, cancel what runs, stop the plugins, kill child
  // process groups and wait (≤ 5 s) for every call to complete. Run it while the room link is
  // still up, so cancelled calls' replies and the events plugins send as they stop (a task failed
  // by the shutdown) reach their peers. Idempotent.
  void quiesce();
  // quiesce(), then drain the workers, unload the plugins and join threads. Idempotent; also run
  // by the destructor.
  void shutdown();

 private:
  runtime();
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Information about this host, as get_info returns it (the reference's AgentInfo shape, plus the
// loaded plugins and the sandbox).
std::string host_info_json(const runtime &rt);
// Every tool this host serves, as MCP-shaped descriptors (name, title, description, inputSchema,
// outputSchema, annotations) plus the permission class and provider: a JSON array.
std::string tool_descriptors_json(runtime &rt);
const char *permission_name(ra_permission p);  // "read", "write", "exec", "network", "info", "admin"

}  // namespace ra
