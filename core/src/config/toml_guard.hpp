// config/toml_guard.hpp — a pre-scan that keeps input away from a toml++ 3.3 (Debian 12) bug.
//
// Found by fuzz_config: toml++ 3.3's Unicode whitespace test reaches __builtin_unreachable for
// many code points (U+00A1–U+0499, U+2C6E–U+3067, U+FBC6–U+FEFE: Latin-1, Greek, Cyrillic,
// kana, ...). It asks "is this whitespace?" of every character outside strings and comments, and
// in multi-line basic strings of the character after a backslash. That is undefined behaviour
// in every build mode, triggered by a mistyped config file, and no toml++ macro turns it off.
// Everything rejected here is invalid TOML except one rare form (the last one below).
// (toml++'s other input-reachable problem, over-eager asserts, is handled in toml_include.hpp.)
// Thread safety: pure function.
#pragma once

#include <string>
#include <string_view>

#include "util/status.hpp"

namespace ra::config {

// RA_INVALID_ARGUMENT "file:line:col: what" (toml++'s convention: columns count code points)
// for: a non-ASCII character outside strings and comments (a leading BOM excepted; a quote
// opens a string only where a key or value can start, as in valid TOML); in a
// multi-line basic string, a non-ASCII character after a backslash, or as the first character
// after a line-ending backslash and the whitespace it swallows (valid TOML, mishandled by 3.3).
status check_toml_hazards(std::string_view text, const std::string &file_name);

}  // namespace ra::config
