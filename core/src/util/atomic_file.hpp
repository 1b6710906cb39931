// util/atomic_file.hpp — crash-safe file replacement: write a temp file beside the target, fsync
// it, rename over the target, fsync the directory. A reader sees the old or the new contents,
// never a mix; a full disk leaves the old file untouched.
// Thread safety: functions are reentrant; concurrent writers of one path race (last rename wins).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/status.hpp"

namespace ra {

// Replaces `path` with `contents`, creating it with `mode` if it does not exist (an existing file
// keeps its permission bits).
status write_file_atomic(const std::filesystem::path &path, std::string_view contents, unsigned mode = 0644);

// Reads a whole file (up to max_bytes; larger files are an error).
result<std::string> read_file(const std::filesystem::path &path, size_t max_bytes = 64u << 20);

}  // namespace ra
