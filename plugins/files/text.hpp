// text.hpp — the files plugin's small pure helpers: UTF-8 checks, base64, lexical paths, name
// matching (globs), MIME types and image detection, time and mode formatting.
// Thread safety: pure functions.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "utf8.hpp"

namespace ra_files {

// is_utf8 and lossy_utf8: the built-in plugins' shared ones (plugins/common/utf8.hpp).
using ra::plugin_text::is_utf8;
using ra::plugin_text::lossy_utf8;

std::string base64_encode(std::string_view bytes);
// Standard alphabet, padding optional, whitespace (line breaks) ignored; nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

// Lexical normalisation, the same as the core's policy::normalize_path: absolute (relative paths
// taken from `cwd`), no "." or "..", no duplicate or trailing slash. ".." never goes above "/".
std::string normalize_path(std::string_view path, std::string_view cwd);
std::string parent_of(const std::string &normalized);  // "/a/b" → "/a", "/a" → "/"
std::string base_of(const std::string &normalized);    // "/a/b" → "b", "/" → ""
std::string join(const std::string &dir, std::string_view name);
// The last component of a path as written ("a/b/" → "", "a/." → "."), before any normalisation.
std::string_view last_component(std::string_view raw);
// The process's working directory ("/" when unknown).
std::string current_dir();

// True when `pattern` holds a glob metacharacter (*, ? or [).
bool has_glob(std::string_view pattern);
// Name matching for list_dir and file_search: a glob (fnmatch) when the pattern has glob
// characters, otherwise a substring. `fold_case`: case-insensitive (ASCII for substrings).
bool name_matches(std::string_view pattern, std::string_view name, bool fold_case);
// Plain substring search, case-insensitive for ASCII letters.
bool contains_ascii_nocase(std::string_view haystack, std::string_view needle);

// MIME type from the file name's extension; nullopt when unknown.
std::optional<std::string> mime_from_name(std::string_view name);
bool is_image_name(std::string_view name);
// MIME type of well-known image formats from the first bytes (PNG, JPEG, GIF, WebP, BMP, TIFF,
// ICO, AVIF/HEIC); nullopt otherwise.
std::optional<std::string> image_mime_from_magic(std::string_view head);

// "2024-05-01T12:34:56Z" (UTC, seconds).
std::string iso8601_utc(int64_t unix_seconds);
// "0644": the permission bits (with set-id and sticky bits), four octal digits.
std::string mode_string(mode_t mode);
// "file", "dir", "symlink" or "other".
const char *type_name(mode_t mode);

}  // namespace ra_files
