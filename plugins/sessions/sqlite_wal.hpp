// sqlite_wal.hpp — applies the committed frames of an SQLite write-ahead log (`<db>-wal`) to an
// in-memory image of the database file, the way SQLite's own WAL recovery does when it opens a
// database whose -wal file was not checkpointed (https://www.sqlite.org/fileformat.html §4).
// zed keeps threads.db in WAL mode, so its newest threads live only in the -wal file until a
// checkpoint; the plugin reads both files through the host and never lets SQLite open a file.
// Pure: bytes in, bytes out; no SQLite library needed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ra_sessions {

struct wal_applied {
  uint32_t page_size = 0;
  uint64_t frames = 0;          // valid frames up to and including the last commit frame
  uint64_t commits = 0;         // commit frames among them
  uint64_t ignored_frames = 0;  // frames after the last commit, or from the first invalid one on
  uint32_t db_pages = 0;        // the database size (pages) after the last commit
};

// Applies `wal` to `db` (the main file's bytes, possibly empty): the frames are walked while their
// salts match the header and their cumulative checksum is right; only frames up to the last valid
// commit frame count, a later copy of a page wins, and the image is resized to the last commit's
// database size. At most `max_bytes` of image. nullopt with `reason` when the log is unusable
// (garbage, bad header checksum, page size mismatch, too large) — `db` is then unchanged. A valid
// header with no committed frame returns a result with commits == 0 and `db` unchanged.
std::optional<wal_applied> apply_wal(std::string &db, std::string_view wal, uint64_t max_bytes, std::string &reason);

}  // namespace ra_sessions
