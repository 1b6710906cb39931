// log/log.hpp — process-wide logging to stderr (stdout is reserved for command output and, later,
// MCP JSON-RPC). One line per event; secrets are never passed in (callers mask them).
// Thread safety: spdlog loggers are thread-safe; init() is called once at start-up.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace ra::log {

// Sets up the stderr logger. `level`: trace|debug|info|warn|error|off (unknown → info).
void init(std::string_view level);
bool valid_level(std::string_view level);

}  // namespace ra::log
