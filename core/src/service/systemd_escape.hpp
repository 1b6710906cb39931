// service/systemd_escape.hpp — writing values into systemd unit files and environment files so
// that systemd reads back exactly the bytes we meant (systemd.syntax(7), systemd.service(5)).
// Each directive family unquotes differently, so there is one function per family:
//   ExecStart= words:       quotes + C escapes, then specifiers (%), then $VAR expansion at exec
//   Environment= words:     quotes + C escapes, then specifiers; no $ expansion
//   ReadWritePaths= & co.:  quotes + plain backslash escapes (no C escapes), then specifiers
//   EnvironmentFile=:       the raw rest of the line, then specifiers
//   env file (KEY=value):   double quotes where only \" \\ \` \$ are escapes
// Anything systemd cannot represent (NUL, invalid UTF-8, control characters where no escape
// exists) is refused with an error naming the value, never silently altered.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "util/status.hpp"

namespace ra::service {

bool is_valid_utf8(std::string_view s);

// One argument word of ExecStart= (not the executable): "…" with C escapes, % → %%, $ → $$.
result<std::string> exec_arg(std::string_view arg);

// The executable (first word of ExecStart=). systemd refuses quotes, backslashes and control
// characters in it, and does not expand $ in the path (only in argv[0], which it copies), so
// those are refused here; % is doubled.
result<std::string> exec_path(std::string_view path);

// One Environment= word: "NAME=value" quoted, C escapes, % → %%. `name` must be a valid
// environment name ([A-Za-z_][A-Za-z0-9_]*).
result<std::string> environment_word(std::string_view name, std::string_view value);

// One word of a path list (ReadWritePaths=, ReadOnlyPaths=, …): quoted, \ and " escaped, % → %%.
// `optional` prefixes "-" (inside the quotes, where systemd looks for it after unquoting) so a
// missing path is skipped instead of failing the unit. The path must be absolute, without
// control characters.
result<std::string> path_word(std::string_view path, bool optional);

// A path for EnvironmentFile= (or any directive that takes the raw rest of the line): % → %%.
// Refused: control characters, and trailing whitespace or backslash (the parser would strip the
// former and read the latter as a line continuation).
result<std::string> raw_path(std::string_view path);

// One line of an EnvironmentFile=: NAME="value"\n with " \ ` $ backslash-escaped (the only
// escapes systemd's env-file parser unescapes inside double quotes). Control characters are
// refused: the parser has no escape for a newline inside a value.
result<std::string> env_file_line(std::string_view name, std::string_view value);

}  // namespace ra::service
