// plugin_host/host_services.hpp — the ra_host_t table each plugin gets. The table's C functions
// forward to host_env, a small set of interfaces the daemon wires in at start-up (inversion: this
// module never includes dispatch/ or the concrete policy objects).
// Thread safety: the table may be used from any thread, as the thread tags of host.h say.
#pragma once

#include <remote_agents/host.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "plugin_host/call_tracker.hpp"
#include "plugin_host/frontend_bridge.hpp"
#include "policy/policy.hpp"
#include "sandbox/spawn.hpp"
#include "util/status.hpp"

namespace ra::plugin_host {

struct host_env {
  call_tracker *calls = nullptr;
  sandbox::process_supervisor *spawner = nullptr;
  std::function<bool(std::function<void()>)> post_work;
  // Extra checks plugins ask for (host->authorize) and the check spawn applies to command lines.
  std::function<policy::decision(const call_context &, ra_permission, std::string_view resource)> authorize;
  std::function<sandbox::fs_profile(policy::mode)> sandbox_profile;
  // The mode a running call is held to: the stricter of its dispatch-time mode and the host's now.
  std::function<policy::mode(policy::mode call_mode)> effective_mode;
  // Backup before overwrite; returns the backup path, "" when backups are off for the mode.
  std::function<result<std::string>(const call_context &, std::string_view path)> backup;
  std::function<void(std::string_view plugin_id)> tools_changed;
  // ABI 1.1 open_file: the lexical policy for the call's effective mode, then the open beneath the
  // roots (sandbox/open_beneath). Returns a descriptor the caller owns. `how` is validated by the
  // table (one RA_OPEN_* kind, CREATE/TRUNCATE with WRITE only); null → RA_UNAVAILABLE.
  std::function<result<int>(const call_context &, std::string_view path, uint32_t how, uint32_t mode_bits)> open_file;
  // ABI 1.1 dispatch/describe/watch; null until the daemon wires one in (then RA_UNAVAILABLE).
  frontend_bridge *bridge = nullptr;
  std::filesystem::path plugin_data_root;  // <data_dir>/plugins
  uint64_t default_max_output = 131072;
  std::string host_version;
};

// The ra_host_t of one plugin: carries the plugin id for log prefixes and its data dir.
class plugin_host_table {
 public:
  plugin_host_table(std::string plugin_id, uint32_t negotiated_minor, host_env *env);
  const ra_host_t *get() const { return &table_; }
  const std::string &plugin_id() const { return id_; }
  host_env &env() const { return *env_; }

 private:
  ra_host_t table_{};
  std::string id_;
  host_env *env_;
};

// The command line a spawn would run, for the policy check: "/bin/sh -c X" → X, else argv joined
// with shell quoting.
std::string command_line_of(const std::vector<std::string> &argv);
std::string quote_word(const std::string &word);

}  // namespace ra::plugin_host
