// jsonrpc.hpp — the MCP plugin's JSON-RPC 2.0 codec over the stdio transport: splitting the byte
// stream into newline-delimited lines, parsing a line into requests / notifications / responses (or
// the errors to answer with), and building the compact JSON we write back. Pure: no I/O, no globals.
// Thread safety: the free functions are pure and thread-safe; a line_splitter is single-threaded
// (one per input stream) and its callbacks must not call back into feed().
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ra::mcp {

// Splits stdin bytes into newline-delimited messages (MCP stdio transport). A trailing '\r' is
// stripped; empty/whitespace-only lines are ignored. A line longer than max_line bytes is reported
// once via on_oversize and discarded up to the next '\n' (memory stays bounded). max_line counts
// every byte before the '\n', a trailing '\r' included, so buffered() never exceeds max_line.
class line_splitter {
 public:
  explicit line_splitter(size_t max_line);
  // The view passed to on_line is valid only during the call.
  void feed(std::string_view bytes, const std::function<void(std::string_view line)> &on_line,
            const std::function<void()> &on_oversize);
  size_t buffered() const { return buf_.size(); }  // bytes of the incomplete line held

 private:
  void finish_line(std::string_view tail, const std::function<void(std::string_view)> &on_line,
                   const std::function<void()> &on_oversize);

  size_t max_line_;
  std::string buf_;          // the incomplete line so far
  bool discarding_ = false;  // inside an oversize line already reported; drop bytes up to '\n'
};

enum class msg_kind { request, notification, response };

struct message {
  msg_kind kind;
  std::string id_json;  // the id exactly as compact JSON text: 0, 7, "abc" (requests/responses); "" for notifications
  std::string method;   // requests/notifications (decoded, valid UTF-8)
  std::string params_json;  // compact JSON of params (object or array) or "" when absent
  std::string result_json;  // responses: compact JSON of result, or ""
  std::string error_json;   // responses with an error: compact JSON of the error object, or ""
};

struct parse_error {    // a message that must be answered with an error response
  std::string id_json;  // "null" when the id could not be determined
  int code;             // -32700 parse error, -32600 invalid request
  std::string message;  // says what was wrong
};

struct parsed_line {
  // The line was a non-empty JSON array: answer with an array of responses. An empty batch `[]`
  // and a line that is not valid JSON leave this false: JSON-RPC answers those with one error object.
  bool batch = false;
  std::vector<message> messages;    // valid ones, in order
  std::vector<parse_error> errors;  // one per invalid element (or one for the whole line)
};

// Parses one line (without its '\n'). Rules: "jsonrpc":"2.0" is required; an id is a string or an
// integer whose token text is kept exactly (0, -1, 9007199254740993, 1e3 is not an integer); a
// request has method + id, a notification method without id, a response id + exactly one of
// result/error (error an object with an integer code and a string message); params, when present,
// is an object or an array; a member may not appear twice. Numbers anywhere keep their exact text.
// Nesting deeper than max_depth and invalid UTF-8 (raw bytes or a lone surrogate escape) are
// parse errors of the whole line.
parsed_line parse_line(std::string_view line);
inline constexpr unsigned max_depth = 128;

// Output builders (compact JSON, no trailing newline). The *_json arguments are inserted verbatim
// and must be valid JSON (typically taken from a parsed message or built with quote()); an empty
// id_json reads as null, an empty result_json as {} (MCP results are objects).
std::string make_result(std::string_view id_json, std::string_view result_json);
std::string make_error(std::string_view id_json, int code, std::string_view message, std::string_view data_json = {});
std::string make_notification(std::string_view method, std::string_view params_json);  // params omitted when empty
std::string make_request(std::string_view id_json, std::string_view method, std::string_view params_json);

// JSON string escaping helper used by the builders: returns "\"...\"" with proper escapes (\n \r \t
// short, other control chars as \u00XX, valid UTF-8 passed through, invalid UTF-8 bytes replaced by
// U+FFFD).
std::string quote(std::string_view s);

namespace code {
constexpr int parse_error = -32700, invalid_request = -32600, method_not_found = -32601, invalid_params = -32602,
              internal_error = -32603;
}

}  // namespace ra::mcp
