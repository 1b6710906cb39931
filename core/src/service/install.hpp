// service/install.hpp — installing and removing the remote-agents service: where the files go,
// writing them (atomically, the token file 0600), and asking systemctl/launchctl to (re)start
// or stop it. Rendering is unit_render's; this is the filesystem and process side.
// Thread safety: functions run on the caller's thread; they read the process environment
// (HOME, XDG_*), so nothing may setenv concurrently.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "service/unit_render.hpp"
#include "util/status.hpp"

namespace ra::service {

// Where the service's files live on the target system (independent of --root).
struct service_layout {
  std::filesystem::path unit_file;  // .service, or the LaunchAgent .plist
  std::filesystem::path env_file;   // systemd only: <config dir>/service.env; empty for launchd
};

// user:   $XDG_CONFIG_HOME/systemd/user/remote-agents.service (default ~/.config)
// system: /etc/systemd/system/remote-agents.service
// macOS:  ~/Library/LaunchAgents/com.remote-agents.agent.plist
service_layout layout_for(platform plat, scope where);

// Runs argv (argv[0] looked up on PATH, no shell), with this process's stdout/stderr. Returns the
// exit status, or an error (not_found when the program does not exist).
using command_runner = std::function<result<int>(const std::vector<std::string> &argv)>;
result<int> run_command(const std::vector<std::string> &argv);

struct install_options {
  platform plat = platform::linux_systemd;
  scope where = scope::user;
  std::filesystem::path root;  // non-empty: write the files below it and start nothing
  bool start = true;           // false: write the files only (--no-start)
};

struct command_outcome {
  std::vector<std::string> argv;
  status result;  // ok, or why it failed ("exit status 1", "systemctl not found")
};

struct install_report {
  std::filesystem::path unit_file;  // as written (below the root, if any)
  std::filesystem::path env_file;   // empty for launchd
  std::vector<command_outcome> commands;
  bool started = false;  // every start command succeeded
};

// Writes the unit (0644) and the env file (0600; also the plist, which carries the token on
// launchd), creates the data directory the unit makes writable, then — unless opts.root is set
// or !opts.start — reloads the manager, enables and (re)starts the service. A failing command
// stops the sequence and is recorded in the report; the files stay written. An error result
// means nothing usable was written (bad value, unwritable directory).
result<install_report> install(const install_options &opts, const service_spec &spec,
                               const command_runner &run = run_command);

struct uninstall_report {
  std::vector<std::filesystem::path> removed;  // files that existed and were deleted
  std::vector<command_outcome> commands;       // failures are reported, not fatal
};

// Stops and disables the service (errors ignored but recorded), deletes the unit and the env
// file, reloads the manager. Deleting is the only step that can fail the call. Idempotent.
result<uninstall_report> uninstall(const install_options &opts, const command_runner &run = run_command);

// The commands a user runs by hand to start / inspect the service (for hints and for the
// "could not start" message).
std::vector<std::vector<std::string>> start_commands(platform plat, scope where, const service_layout &layout);
std::string status_hint(platform plat, scope where);
std::string logs_hint(platform plat, scope where, const std::string &log_file);

// The path of the running executable (/proc/self/exe, or the macOS equivalent), resolved.
result<std::string> current_executable();

// "a b 'c d'" — for printing a command a user can paste into a POSIX shell.
std::string shell_join(const std::vector<std::string> &argv);

}  // namespace ra::service
