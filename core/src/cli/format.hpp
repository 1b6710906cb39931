// cli/format.hpp — human-readable rendering of tool results for the terminal.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "dispatch/dispatcher.hpp"

namespace ra::cli {

// The JSON envelope `call --json` prints: {"status","outcome","message","duration_ms","result"}.
std::string outcome_json(const dispatch::outcome &o);
// Text for a result object: exec-shaped results as output + "[exit code: N, T ms]", others as
// pretty JSON. `streamed` = stdout/stderr were already printed live.
std::string render_result(std::string_view tool, const std::string &result_json, bool streamed);
// Whether a successful call's result says the work itself failed ("success": false).
bool result_says_failure(const std::string &result_json);
// Whether the result reports that the work ran out of time ("timed_out": true).
bool result_says_timed_out(const std::string &result_json);

}  // namespace ra::cli
