// plugin_host/registry.hpp — every tool this process can run: plugin tools and the core's
// built-ins, by unique name, each with its compiled input schema and its policy declarations.
// Thread safety: all members are thread-safe; entries are immutable once added (shared_ptr).
#pragma once

#include <remote_agents/plugin.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "plugin_host/schema.hpp"
#include "util/status.hpp"

namespace ra::plugin_host {

struct call_context;
// A core built-in tool: runs on the main strand, must not block, completes through the context.
using native_handler = std::function<void(const std::shared_ptr<call_context> &)>;

struct tool_entry {
  std::string name, title, description, input_schema, output_schema;
  uint32_t hints = 0;
  ra_permission permission = RA_PERM_READ;
  std::vector<std::string> read_path_args, write_path_args, command_args;
  std::string provider;  // plugin id, or "core"
  std::shared_ptr<const compiled_schema> schema;
  ra_instance_t *instance = nullptr;  // plugin-backed tools
  native_handler native;              // core built-ins
};

// Checks one plugin descriptor and converts it: name syntax, description, a well-formed object
// schema, a permission class plugins may declare, argument roles that name schema properties.
// `negotiated_minor`: the plugin's ABI minor; classes added later are refused below their minor.
result<tool_entry> describe(const ra_tool_desc_t *desc, std::string_view provider, bool builtin,
                            uint32_t negotiated_minor = RA_ABI_MINOR);

bool valid_tool_name(std::string_view name);

class registry {
 public:
  // Adds a tool; a duplicate name is refused with the provider that already has it.
  status add(tool_entry t);
  // Adds all or nothing.
  status add_all(std::vector<tool_entry> tools);
  std::shared_ptr<const tool_entry> find(std::string_view name) const;
  std::vector<std::shared_ptr<const tool_entry>> all() const;  // sorted by name
  void remove_provider(std::string_view provider);
  std::string provider_of(std::string_view name) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const tool_entry>, std::less<>> tools_;
};

}  // namespace ra::plugin_host
