// zstd_frame.hpp — decoding of a zstd-compressed blob (zed may store a thread's JSON as a zstd
// frame, recognised by the magic 28 B5 2F FD like the reference's §3.9), with a hard cap on the
// decompressed size so a small hostile frame cannot make the plugin allocate gigabytes.
// Needs libzstd at build time (RA_SESSIONS_ZSTD); without it zstd_supported() is false and every
// decode fails with "built without libzstd".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ra_sessions {

bool is_zstd(std::string_view data);  // starts with the zstd frame magic
bool zstd_supported();
// The decompressed bytes of one or more concatenated frames, at most `cap` bytes; nullopt with
// `error` for a corrupt or truncated frame, one larger than `cap`, or a build without libzstd.
std::optional<std::string> zstd_decompress(std::string_view frame, uint64_t cap, std::string &error);

}  // namespace ra_sessions
