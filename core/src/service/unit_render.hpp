// service/unit_render.hpp — the text of the service definitions `remote-agents install` writes:
// a systemd unit (user or system), its 0600 environment file (the token), and a launchd
// LaunchAgent plist. Pure: options in, text out; nothing touches the filesystem.
// The systemd sandboxing profile follows the host's safety mode; README.md explains each
// directive.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/mode.hpp"
#include "util/status.hpp"

namespace ra::service {

inline constexpr const char *service_name = "remote-agents";  // the unit is <service_name>.service
inline constexpr const char *launchd_label = "com.remote-agents.agent";

enum class platform { linux_systemd, macos_launchd };
enum class scope { user, system };  // systemd: per-user manager or PID 1

// "plan" hosts (and "disabled" ones, which run nothing) get the strict profile.
enum class profile { strict, edit, bypass };
profile profile_for(policy::mode m);
std::string_view profile_name(profile p);  // "strict" | "edit" | "bypass"

struct service_spec {
  std::string executable;             // absolute path of the remote-agents binary
  std::vector<std::string> run_args;  // arguments after "run" (flags, never the token)
  scope where = scope::user;
  policy::mode mode = policy::mode::plan;
  // The XDG bases the service gets in its environment, so the daemon uses the very directories
  // the installer resolved (a system service has no login session to derive them from).
  std::string config_home;
  std::string data_home;
  std::string data_dir;  // <data_home>/remote-agents: the one directory every profile may write
  std::string env_file;  // systemd EnvironmentFile= path (holds the token)
  // edit profile: the operator's security.allowed_paths (normalised; empty = everything not
  // denied) and security.denied_paths; a custom backup_dir outside data_dir.
  std::vector<std::string> allowed_paths;
  std::vector<std::string> denied_paths;
  std::string backup_dir;
  // Secret environment (REMOTE_AGENTS_TOKEN, REMOTE_AGENTS_RELAY_TOKEN): the systemd env file
  // or, on launchd, the plist's EnvironmentVariables. Never part of a command line.
  std::vector<std::pair<std::string, std::string>> secrets;
  std::string log_file;  // launchd only: stdout/stderr of the agent
};

// The systemd unit. The token is never part of it.
result<std::string> render_systemd_unit(const service_spec &spec);

// The EnvironmentFile= contents: a comment and one NAME="value" line per secret.
result<std::string> render_env_file(const std::vector<std::pair<std::string, std::string>> &secrets);

// The LaunchAgent plist (XML, Apple PLIST 1.0). launchd has no environment-file directive, so
// the token goes into EnvironmentVariables and the plist itself must be written 0600.
result<std::string> render_launchd_plist(const service_spec &spec);

// XML character data / attribute text: & < > " ' escaped. Refused: invalid UTF-8 and the control
// characters XML 1.0 cannot carry (all below 0x20 except tab, LF and CR).
result<std::string> xml_escape(std::string_view text);

}  // namespace ra::service
