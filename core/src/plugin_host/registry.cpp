#include "plugin_host/registry.hpp"

#include <algorithm>

namespace ra::plugin_host {

bool valid_tool_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

namespace {

status read_arg_list(const char *const *list, const compiled_schema &schema, const char *role, std::string_view tool,
                     std::vector<std::string> &out) {
  if (!list) return status::ok();
  auto props = schema.property_names();
  for (size_t i = 0; list[i]; ++i) {
    if (i > 64)
      return invalid_argument(std::string(role) + " list of tool '" + std::string(tool) + "' is not NULL-terminated");
    std::string name = list[i];
    std::string base = name.size() > 2 && name.ends_with("[]") ? name.substr(0, name.size() - 2) : name;
    if (std::find(props.begin(), props.end(), base) == props.end())
      return invalid_argument("tool '" + std::string(tool) + "' declares " + role + " '" + base +
                              "' which is not a property of its input schema");
    out.push_back(name);
  }
  return status::ok();
}

bool plugin_may_declare(uint32_t p, uint32_t minor) {
  if (p == RA_PERM_EXEC_SANDBOXED) return minor >= 2;  // R36: new in 1.2
  return p == RA_PERM_READ || p == RA_PERM_WRITE || p == RA_PERM_EXEC || p == RA_PERM_NETWORK;
}

}  // namespace

result<tool_entry> describe(const ra_tool_desc_t *d, std::string_view provider, bool builtin,
                            uint32_t negotiated_minor) {
  if (!d) return invalid_argument("tool descriptor is NULL");
  if (d->struct_size < offsetof(ra_tool_desc_t, command_args) + sizeof(d->command_args))
    return invalid_argument("tool descriptor struct_size " + std::to_string(d->struct_size) +
                            " is smaller than ABI 1.0's " + std::to_string(sizeof(ra_tool_desc_t)));
  if (!d->name || !valid_tool_name(d->name))
    return invalid_argument(std::string("tool name '") + (d->name ? d->name : "(null)") +
                            "' is malformed (want [a-z][a-z0-9_]{0,63})");
  tool_entry t;
  t.name = d->name;
  if (!d->description || !*d->description) return invalid_argument("tool '" + t.name + "' has no description");
  if (!d->input_schema) return invalid_argument("tool '" + t.name + "' has no input schema");
  auto schema = compiled_schema::compile(d->input_schema);
  if (!schema)
    return invalid_argument("tool '" + t.name + "' has a malformed input schema: " + schema.error().message());
  if (d->output_schema) {
    auto out = compiled_schema::compile(d->output_schema);
    if (!out) return invalid_argument("tool '" + t.name + "' has a malformed output schema: " + out.error().message());
    t.output_schema = d->output_schema;
  }
  if (!builtin && !plugin_may_declare(d->permission, negotiated_minor))
    return invalid_argument("tool '" + t.name + "' declares permission class " + std::to_string(d->permission) +
                            ", which plugins may not use (read, write, exec, network, or exec_sandboxed from ABI 1.2)");
  t.title = d->title ? d->title : t.name;
  t.description = d->description;
  t.input_schema = d->input_schema;
  t.hints = d->hints;
  t.permission = static_cast<ra_permission>(d->permission);
  t.provider = std::string(provider);
  t.schema = *schema;
  if (auto st = read_arg_list(d->read_path_args, **schema, "read path argument", t.name, t.read_path_args); !st)
    return st;
  if (auto st = read_arg_list(d->write_path_args, **schema, "write path argument", t.name, t.write_path_args); !st)
    return st;
  if (auto st = read_arg_list(d->command_args, **schema, "command argument", t.name, t.command_args); !st) return st;
  if ((t.permission == RA_PERM_EXEC || t.permission == RA_PERM_EXEC_SANDBOXED) && t.command_args.empty())
    return invalid_argument("exec-class tool '" + t.name + "' must name its command arguments");
  return t;
}

status registry::add(tool_entry t) {
  std::vector<tool_entry> one;
  one.push_back(std::move(t));
  return add_all(std::move(one));
}

status registry::add_all(std::vector<tool_entry> tools) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < tools.size(); ++i) {
    auto it = tools_.find(tools[i].name);
    if (it != tools_.end())
      return failed_precondition("duplicate tool name '" + tools[i].name + "' (already provided by '" +
                                 it->second->provider + "')");
    for (size_t j = 0; j < i; ++j)
      if (tools[j].name == tools[i].name)
        return failed_precondition("duplicate tool name '" + tools[i].name + "' within '" + tools[i].provider + "'");
  }
  for (auto &t : tools) {
    std::string name = t.name;
    tools_.emplace(std::move(name), std::make_shared<const tool_entry>(std::move(t)));
  }
  return status::ok();
}

std::shared_ptr<const tool_entry> registry::find(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = tools_.find(name);
  return it == tools_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const tool_entry>> registry::all() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const tool_entry>> out;
  for (auto &[_, t] : tools_) out.push_back(t);
  return out;
}

void registry::remove_provider(std::string_view provider) {
  std::lock_guard lock(mu_);
  std::erase_if(tools_, [&](const auto &kv) { return kv.second->provider == provider; });
}

std::string registry::provider_of(std::string_view name) const {
  auto t = find(name);
  return t ? t->provider : std::string();
}

}  // namespace ra::plugin_host
