// dispatch/policy_gate.hpp — the check every call passes before a plugin runs: the tool's
// permission class against the mode, then each argument the tool declared as a path or a command
// against the path and command rules. A plugin cannot skip it by forgetting.
// Thread safety: pure function.
#pragma once

#include <rapidjson/document.h>

#include <string_view>

#include "plugin_host/registry.hpp"
#include "policy/policy.hpp"

namespace ra::dispatch {

policy::decision check_call(const plugin_host::tool_entry &tool, const rapidjson::Value &args, policy::mode m,
                            const policy::rules &rules, std::string_view cwd);

}  // namespace ra::dispatch
