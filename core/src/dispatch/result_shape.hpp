// dispatch/result_shape.hpp — what the core reads out of a tool's result object: the exec shape
// (stdout, stderr, exit_code), and the "success": false / "timed_out": true flags any tool may set.
// One place for it, shared by the CLI's rendering and exit codes and by the fleet's grouping.
// Thread safety: pure functions.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace ra::dispatch {

// An object with exit_code, stdout and stderr members (the exec plugin's result).
bool is_exec_shaped(const rapidjson::Value &result);
// stdout, then "--- stderr ---" and stderr when there is any; no newline is added at the end.
std::string exec_output(const rapidjson::Value &result);
// A boolean member `key` equal to `value` (false when absent or not a boolean).
bool result_flag(const rapidjson::Value &result, const char *key, bool value);

}  // namespace ra::dispatch
