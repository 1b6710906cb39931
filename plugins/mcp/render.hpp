// render.hpp — a dispatch result document (sdk/docs/abi.md R60) as an MCP tool result: one text
// item for the model (the reference's formats, REFERENCE-SPEC §6.5, where it had one: exec output
// with "[exit code: c, N ms]", "Mode set to Edit"; pretty JSON otherwise; the grouped fleet view),
// `structuredContent` with the whole document for programs, and `isError` when the call did not
// run (failed, denied, invalid, timeout, cancelled, unreachable — on every host for a fleet call).
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace ra::mcp {

struct tool_result {
  std::string text;
  std::string structured_json;  // an object; "" = none
  bool is_error = false;
};

tool_result render_single(std::string_view tool, std::string_view doc_json);
tool_result render_fleet(std::string_view tool, std::string_view doc_json);
tool_result error_result(std::string text);
// One line for an event sent to this process (abi.md R66): "task t-… on web-1 finished: done (exit
// code 0, 1.2 s)"; other topics: "<topic> from <host>".
std::string event_text(std::string_view from_json, std::string_view topic, std::string_view data_json);
// The JSON-RPC result object of tools/call; structuredContent only when `modern` (2025-06-18+).
std::string result_json(const tool_result &r, bool modern);

}  // namespace ra::mcp
