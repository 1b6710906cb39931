// util/json.hpp — small helpers over RapidJSON used across the core: parse with a readable error,
// serialise compactly or prettily, build strings safely (invalid UTF-8 never reaches JSON output).
// Thread safety: pure functions.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

#include "util/status.hpp"

namespace ra::json {

// Hard limits on untrusted JSON (ARCHITECTURE §4): nesting depth and size.
inline constexpr unsigned max_depth = 64;
inline constexpr size_t max_bytes = 16u << 20;

// Parses `text`; errors read "invalid JSON at offset N: <reason>". Refuses nesting deeper than
// max_depth and strings that are not well-formed UTF-8 (raw bytes or lone surrogate escapes).
status parse(std::string_view text, rapidjson::Document &out);
// Nesting depth of a parsed value (1 for a scalar), counted up to max_depth + 1: anything deeper
// reads as max_depth + 1, so a hostile document nested a million deep cannot exhaust the stack.
unsigned depth(const rapidjson::Value &v);

std::string to_string(const rapidjson::Value &v);
std::string to_pretty_string(const rapidjson::Value &v);

// True when `s` is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);
// `s` with every ill-formed sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view s);
std::string base64_encode(std::string_view bytes);

// JSON string literal (with quotes) of `s`; ill-formed UTF-8 is replaced first.
std::string quote(std::string_view s);

}  // namespace ra::json
