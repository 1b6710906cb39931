#include "sqlite_wal.hpp"

#include <cstring>
#include <map>

namespace ra_sessions {

namespace {

constexpr size_t wal_header_size = 32;
constexpr size_t frame_header_size = 24;
constexpr uint32_t magic_le = 0x377f0682;  // checksums over little-endian words
constexpr uint32_t magic_be = 0x377f0683;  // ... over big-endian words
constexpr uint32_t wal_version = 3007000;

// Every integer of the WAL's own headers is big-endian, whatever the checksum order.
uint32_t be32(std::string_view s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}
uint32_t le32(std::string_view s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return b(3) << 24 | b(2) << 16 | b(1) << 8 | b(0);
}

// SQLite's WAL checksum: a Fletcher-like sum over pairs of 32-bit words, continued from `s`
// (the previous frame's checksum, or zero for the header). `n` is a multiple of 8.
struct checksum {
  uint32_t s0 = 0, s1 = 0;
  bool operator==(const checksum &) const = default;
};
checksum wal_sum(std::string_view bytes, size_t at, size_t n, bool big_endian, checksum s) {
  for (size_t i = at; i < at + n; i += 8) {
    uint32_t x0 = big_endian ? be32(bytes, i) : le32(bytes, i);
    uint32_t x1 = big_endian ? be32(bytes, i + 4) : le32(bytes, i + 4);
    s.s0 += x0 + s.s1;
    s.s1 += x1 + s.s0;
  }
  return s;
}

bool valid_page_size(uint32_t p) { return p >= 512 && p <= 65536 && (p & (p - 1)) == 0; }

// The page size the main file declares (offset 16; 1 means 65536), 0 when it has no header.
uint32_t db_page_size(std::string_view db) {
  if (db.size() < 100) return 0;
  uint32_t p = static_cast<uint32_t>(static_cast<unsigned char>(db[16])) << 8 | static_cast<unsigned char>(db[17]);
  return p == 1 ? 65536 : p;
}

struct wal_header {
  uint32_t page_size = 0, salt1 = 0, salt2 = 0;
  bool big_endian = false;
  checksum sum;
};

std::optional<wal_header> read_header(std::string_view wal, std::string &reason) {
  if (wal.size() < wal_header_size) {
    reason = "the -wal file is shorter than its header";
    return std::nullopt;
  }
  uint32_t magic = be32(wal, 0);
  if (magic != magic_le && magic != magic_be) {
    reason = "the -wal file has no WAL magic number";
    return std::nullopt;
  }
  wal_header h;
  h.big_endian = magic == magic_be;
  h.page_size = be32(wal, 8);
  h.salt1 = be32(wal, 16);
  h.salt2 = be32(wal, 20);
  h.sum = {be32(wal, 24), be32(wal, 28)};
  if (be32(wal, 4) != wal_version) {
    reason = "the -wal file has an unknown format version";
    return std::nullopt;
  }
  if (!valid_page_size(h.page_size)) {
    reason = "the -wal file has an invalid page size";
    return std::nullopt;
  }
  if (wal_sum(wal, 0, 24, h.big_endian, {}) != h.sum) {
    reason = "the -wal file's header checksum is wrong";
    return std::nullopt;
  }
  return h;
}

// The committed state of the log: for every page the offset of its newest committed copy.
struct committed {
  std::map<uint32_t, size_t> pages;
  uint32_t db_pages = 0;
  uint64_t frames = 0, commits = 0, ignored = 0;
};

committed walk_frames(std::string_view wal, const wal_header &h) {
  committed c;
  std::map<uint32_t, size_t> pending;  // frames of the transaction not yet seen committing
  uint64_t pending_frames = 0;
  checksum sum = h.sum;
  const size_t frame_size = frame_header_size + h.page_size;
  for (size_t at = wal_header_size; at + frame_size <= wal.size(); at += frame_size) {
    uint32_t pgno = be32(wal, at), commit_size = be32(wal, at + 4);
    // A frame of an older log generation (other salts) or a torn write ends the log.
    if (pgno == 0 || be32(wal, at + 8) != h.salt1 || be32(wal, at + 12) != h.salt2) break;
    checksum next = wal_sum(wal, at, 8, h.big_endian, sum);
    next = wal_sum(wal, at + frame_header_size, h.page_size, h.big_endian, next);
    if (next != checksum{be32(wal, at + 16), be32(wal, at + 20)}) break;
    sum = next;
    pending[pgno] = at + frame_header_size;
    ++pending_frames;
    if (commit_size == 0) continue;
    for (const auto &[p, off] : pending) c.pages[p] = off;
    pending.clear();
    c.frames += pending_frames;
    pending_frames = 0;
    ++c.commits;
    c.db_pages = commit_size;
  }
  // Everything after the last commit counts as ignored, a torn trailing frame included.
  size_t body = wal.size() - wal_header_size;
  c.ignored = body / frame_size + (body % frame_size ? 1 : 0) - c.frames;
  return c;
}

}  // namespace

std::optional<wal_applied> apply_wal(std::string &db, std::string_view wal, uint64_t max_bytes, std::string &reason) {
  auto h = read_header(wal, reason);
  if (!h) return std::nullopt;
  uint32_t main_page = db_page_size(db);
  if (!db.empty() && main_page != h->page_size) {
    reason = "the -wal file's page size differs from the database's";
    return std::nullopt;
  }
  committed c = walk_frames(wal, *h);
  wal_applied r;
  r.page_size = h->page_size;
  r.frames = c.frames;
  r.commits = c.commits;
  r.ignored_frames = c.ignored;
  if (c.commits == 0) {
    r.db_pages = static_cast<uint32_t>(db.size() / h->page_size);
    return r;  // nothing committed: the main file is the whole truth
  }
  uint64_t size = static_cast<uint64_t>(c.db_pages) * h->page_size;
  if (size > max_bytes) {
    reason = "the database with its -wal file would exceed " + std::to_string(max_bytes >> 20) + " MiB";
    return std::nullopt;
  }
  // Pages past the committed size are dropped (the transaction truncated the database).
  db.resize(static_cast<size_t>(size), '\0');
  for (const auto &[pgno, off] : c.pages) {
    if (pgno > c.db_pages) continue;
    std::memcpy(db.data() + static_cast<size_t>(pgno - 1) * h->page_size, wal.data() + off, h->page_size);
  }
  r.db_pages = c.db_pages;
  return r;
}

}  // namespace ra_sessions
