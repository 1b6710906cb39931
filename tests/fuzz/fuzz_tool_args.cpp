// fuzz_tool_args.cpp — untrusted tool arguments: JSON parsing with limits, schema validation and
// the policy gate, exactly as the dispatcher runs them before a plugin sees a call.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dispatch/policy_gate.hpp"
#include "plugin_host/registry.hpp"
#include "util/json.hpp"

namespace {

const char *schema = R"({"type":"object","properties":{
  "command":{"type":"string","minLength":1},"cwd":{"type":"string"},
  "paths":{"type":"array","items":{"type":"string"}},"timeout_ms":{"type":"integer","minimum":1},
  "env":{"type":"object","additionalProperties":{"type":"string"}}},
  "required":["command"],"additionalProperties":false})";

const ra::plugin_host::tool_entry &tool() {
  static const ra::plugin_host::tool_entry t = [] {
    const char *reads[] = {"cwd", "paths[]", nullptr};
    const char *cmds[] = {"command", nullptr};
    ra_tool_desc_t d{};
    d.struct_size = sizeof d;
    d.name = "fuzzed";
    d.description = "fuzz target";
    d.input_schema = schema;
    d.permission = RA_PERM_EXEC;
    d.read_path_args = reads;
    d.command_args = cmds;
    return *ra::plugin_host::describe(&d, "fuzz", false);
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  rapidjson::Document args;
  if (!ra::json::parse(text, args)) return 0;
  if (!tool().schema->validate(args)) return 0;
  ra::policy::rules rules;
  rules.denied_paths = {"/etc/shadow", "/boot"};
  rules.readonly_commands = ra::policy::default_readonly_commands();
  for (auto m : {ra::policy::mode::plan, ra::policy::mode::edit, ra::policy::mode::disabled})
    (void)ra::dispatch::check_call(tool(), args, m, rules, "/tmp");
  return 0;
}
