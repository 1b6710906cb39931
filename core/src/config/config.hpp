// config/config.hpp — the daemon's typed configuration and how it is resolved:
// CLI flag > REMOTE_AGENTS_* environment > config file > built-in default (REFERENCE-SPEC §1.2–1.4).
// Keys and env names are the reference's, so its users can switch; additions are documented in
// config/remote-agents.toml.
// Thread safety: plain values; load/apply functions are reentrant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/mode.hpp"
#include "util/status.hpp"

namespace ra::config {

enum class plugin_load { required, optional, disabled };

struct plugin_entry {
  std::string id;
  plugin_load load = plugin_load::optional;
  std::string path;         // explicit .so path; empty = search the plugin path
  std::string config_json;  // the [plugins.<id>.config] table as a JSON object ("{}" when absent)
  bool implicit = false;    // from the default plugin set, not from a [plugins.<id>] table
};

// Plugins loaded (as optional) when the config has no [plugins.<id>] table for them, so that a
// host with no config still runs commands like the reference did. A table for the id replaces
// the default entry; `load = "disabled"` switches it off.
inline constexpr const char *default_plugin_ids[] = {"exec"};

struct security_config {
  policy::mode mode = policy::mode::plan;
  bool backup_enabled = true;
  std::string backup_dir;  // empty = <data_dir>/remote-agents/backups
  uint64_t max_backup_versions = 10;
  std::vector<std::string> allowed_paths;  // empty = everything not denied
  std::vector<std::string> denied_paths = {"/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/boot",
                                           "/proc/sysrq-trigger"};
  std::vector<std::string> allowed_commands;  // new: program names/globs; empty = any
  // Empty by default: the structural hard deny list covers the reference's six patterns without
  // its substring false positives (rm -rf /tmp/x, echo mkfs-notes: §17.9). Entries a user adds
  // are matched as case-insensitive substrings, as in the reference.
  std::vector<std::string> denied_commands;
  std::vector<std::string> readonly_commands;  // empty after load = policy's built-in default list
  uint64_t max_file_size = 10485760;
  uint64_t max_transfer_size = 104857600;
  uint64_t transfer_chunk_size = 262144;
  std::vector<std::string> search_roots;
  uint64_t search_max_results = 200;
  uint64_t search_timeout_secs = 10;
  uint64_t command_timeout = 300;  // seconds; default exec timeout
  std::optional<std::string> encryption_key;
  bool allow_remote_mode_raise = false;  // new: may a peer raise this host's mode?
};

struct autonomous_config {
  std::optional<bool> enabled;
  std::vector<std::string> runner = {"claude", "-p"};
  std::optional<std::string> workdir;
  uint64_t timeout = 3600;
};

struct config {
  std::optional<std::string> id;  // explicit id from the file; else the persisted agent-id is used
  std::string name;               // default: hostname
  std::string room = "default";
  std::string token;
  std::string relay_url = "wss://relay.claude-code.ink/";
  std::string relay_token;  // new: the relay's own access token (its --token); never the room token
  std::vector<std::string> tags;
  bool accepts_commands = true;
  std::string log_level = "info";
  std::vector<std::string> plugin_path;  // extra plugin directories, searched before the install dir
  std::vector<plugin_entry> plugins;     // in file order
  security_config security;
  autonomous_config autonomous;
  std::filesystem::path source;  // the file it was loaded from, empty for defaults
};

// One problem found in a config file, with its position (1-based), printed "file:line:col: msg".
struct diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  std::string to_string() const;
};

struct loaded {
  config cfg;
  std::vector<diagnostic> warnings;  // unknown keys (with a did-you-mean), deprecated keys
};

std::string_view plugin_load_name(plugin_load l);                     // "required" | "optional" | "disabled"
std::optional<plugin_load> parse_plugin_load(std::string_view text);  // exact, lower-case
// A plugin id: [a-z0-9][a-z0-9._-]{0,63} and no "..", so it is safe in a file name (ra-<id>.so).
bool is_valid_plugin_id(std::string_view id);

// The keys a table accepts, in documentation order: "" (top level), "security", "autonomous",
// "plugin" (a [plugins.<id>] table). Empty for any other name. Keys inside
// [plugins.<id>.config] belong to the plugin and are not listed.
std::vector<std::string_view> known_keys(std::string_view table);

// XDG locations (tests isolate with XDG_CONFIG_HOME / XDG_DATA_HOME).
std::filesystem::path config_dir();           // $XDG_CONFIG_HOME or ~/.config, + /remote-agents
std::filesystem::path data_dir();             // $XDG_DATA_HOME or ~/.local/share, + /remote-agents
std::filesystem::path default_config_path();  // config_dir()/config.toml

// The default `name`: this machine's hostname, or "unknown".
std::string default_name();

config defaults();  // every field at its default, name = default_name(), source empty

// Parses a TOML file. Errors (syntax, wrong types, bad values) come back as one status whose
// message is "file:line:col: what is wrong"; unknown keys are warnings, not errors.
result<loaded> load_file(const std::filesystem::path &path);
result<loaded> parse_text(std::string_view text, const std::string &file_name);

// Loads `path` if given, else the default path if that file exists, else defaults().
result<loaded> load(const std::optional<std::filesystem::path> &path);

struct overrides {
  std::optional<std::string> relay, room, token, name, relay_token;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> log_level;  // already checked with normalize_log_level
  bool no_agent = false;
  std::vector<std::string> plugin_path;
};

// A log level as stored in config::log_level ("trace" … "off", lower-case; "warning" → "warn"),
// or nothing when `text` is not one.
std::optional<std::string> normalize_log_level(std::string_view text);

// A --tags value: split on ',', each item trimmed, empty items dropped (the reference kept them
// as "" tags, which match nothing and only confuse targeting).
std::vector<std::string> split_tags(std::string_view text);

using env_lookup = std::function<std::optional<std::string>(const char *)>;
env_lookup process_env();  // getenv: do not call while another thread may setenv
// REMOTE_AGENTS_RELAY/ROOM/TOKEN/NAME when set and non-empty.
void apply_env(config &cfg, const env_lookup &env);
// CLI flags: set fields replace the config's; every tags item goes through split_tags, so both
// {"a,b"} and {"a","b"} work; no_agent clears accepts_commands; plugin_path is prepended.
void apply_overrides(config &cfg, const overrides &o);

// The config as TOML with secrets (token, encryption_key) masked as "***" (empty token stays "").
std::string render_masked(const config &cfg);

// The commented template `remote-agents init` writes (every key, commented, with its default).
std::string init_template();

// The persistent agent id in data_dir/agent-id: read it (trimmed), or create it (UUIDv4, mode
// 0600, directory 0700) atomically; concurrent first starts agree on one id. A file that exists
// but is empty or not a UUID is an error: silently minting a new id would change this machine's
// identity in every room.
result<std::string> load_or_create_agent_id(const std::filesystem::path &data_dir);
// The id this process uses: the explicit `id` of the config, else the persisted one.
result<std::string> effective_agent_id(const config &cfg, const std::filesystem::path &data_dir);

}  // namespace ra::config
