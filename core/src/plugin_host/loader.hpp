// plugin_host/loader.hpp — loads the plugins the config names (and only those), checks them
// against the ABI rules of sdk/docs/abi.md, creates and starts their instances, and registers their
// tools. Each refusal is one clear line naming the plugin and the rule it broke.
// Thread safety: load/unload on the main strand only; plugins() is read-only afterwards.
#pragma once

#include <remote_agents/plugin.h>

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "plugin_host/host_services.hpp"
#include "plugin_host/registry.hpp"
#include "util/status.hpp"

namespace ra::plugin_host {

// Plugins linked into the binary (-Dstatic-plugins=true); empty in shared builds.
struct static_plugin {
  const char *id;
  const ra_plugin_entry_t *entry;
};
std::span<const static_plugin> static_plugins();

struct plugin_record {
  std::string id, name, version, description;
  std::string origin;  // .so path, or "(built in)"
  std::vector<std::string> tools;
  const ra_plugin_entry_t *entry = nullptr;
  ra_instance_t *instance = nullptr;
  std::unique_ptr<plugin_host_table> host;
  std::shared_ptr<void> library;  // keeps the .so mapped while the instance lives
  bool started = false;
};

class loader {
 public:
  loader(host_env &env, registry &tools, std::vector<std::filesystem::path> search_dirs);
  ~loader();

  // Loads one configured plugin. The error message is the one line to print or log.
  status load(const config::plugin_entry &entry);
  // Loads every non-disabled entry: a required plugin that fails stops with its error; an optional
  // one logs one warning line and is skipped.
  status load_all(const std::vector<config::plugin_entry> &entries);
  // Calls stop() on every started instance, newest first (idempotent).
  void stop_all();
  // Stops (if needed) and destroys every instance, newest first. The libraries stay mapped until
  // the process exits: a worker or watcher thread may still be returning through plugin code.
  void unload_all();

  const std::vector<std::unique_ptr<plugin_record>> &plugins() const { return plugins_; }
  const std::vector<std::filesystem::path> &search_dirs() const { return dirs_; }

 private:
  result<std::filesystem::path> find_file(const config::plugin_entry &entry) const;
  status instantiate(const config::plugin_entry &entry, std::unique_ptr<plugin_record> rec);

  host_env &env_;
  registry &tools_;
  std::vector<std::filesystem::path> dirs_;
  std::vector<std::unique_ptr<plugin_record>> plugins_;
};

bool valid_plugin_id(std::string_view id);
// The plugin search path: flag/config dirs, then $RA_PLUGIN_PATH (ignored in setuid processes),
// then the install dir.
std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::string> &configured);

}  // namespace ra::plugin_host
