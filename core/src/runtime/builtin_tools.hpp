// runtime/builtin_tools.hpp — tools the core itself provides on every host: get_info, set_mode,
// list_agents (this host only until the relay issue adds peers).
// Thread safety: handlers run on the main strand and do not block.
#pragma once

#include <vector>

#include "plugin_host/registry.hpp"

namespace ra {

class runtime;
std::vector<plugin_host::tool_entry> builtin_tools(runtime &rt);

}  // namespace ra
