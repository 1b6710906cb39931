// crypto/replay_window.hpp — duplicate and replay detection for opened frames.
//
// replay_window: one sender session's sliding window over sequence numbers (RFC 4303 §3.4.3 /
// RFC 6479 style). It remembers the highest sequence accepted (`top`) and a 1024-bit bitmap of
// [top-1023, top]. A sequence above top is new; one inside the window is new exactly once; one
// below it is too old to tell apart from a replay and is refused.
//
// replay_table: the windows of many sender sessions, keyed by (sender id, session salt), bounded
// by an LRU so memory stays fixed however many sessions come and go. The opener only `commit`s
// after a frame decrypted successfully, so entries (and evictions) can only be caused by holders
// of the room key, never by a relay or an outsider flooding forged frames.
//
// Thread safety: not thread-safe; the opener guards its table with a mutex.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "crypto/session.hpp"

namespace ra::crypto {

enum class replay_verdict { fresh, duplicate, too_old };

class replay_window {
 public:
  static constexpr size_t k_size = 1024;

  replay_verdict check(uint64_t sequence) const;
  // Records `sequence` as seen. Call only after check() said fresh and the frame authenticated;
  // a too-old sequence is ignored (its bit would alias a newer one).
  void commit(uint64_t sequence);

 private:
  static constexpr size_t k_words = k_size / 64;
  bool bit(uint64_t s) const { return bits_[(s / 64) % k_words] >> (s % 64) & 1; }
  void set(uint64_t s) { bits_[(s / 64) % k_words] |= uint64_t{1} << (s % 64); }
  void clear(uint64_t s) { bits_[(s / 64) % k_words] &= ~(uint64_t{1} << (s % 64)); }

  bool any_ = false;
  uint64_t top_ = 0;
  std::array<uint64_t, k_words> bits_{};
};

class replay_table {
 public:
  static constexpr size_t k_default_max_sessions = 4096;

  explicit replay_table(size_t max_sessions = k_default_max_sessions);

  // A session never seen (or evicted) is fresh. Does not change the table or the LRU order.
  replay_verdict check(std::string_view sender, const session_salt &salt, uint64_t sequence) const;
  // Marks the sequence seen, creating the session (evicting the least recently used one when
  // full) and making it the most recently used.
  void commit(std::string_view sender, const session_salt &salt, uint64_t sequence);

  size_t size() const { return index_.size(); }
  size_t max_sessions() const { return max_; }
  bool tracks(std::string_view sender, const session_salt &salt) const;

 private:
  struct entry {
    std::string key;
    replay_window window;
  };
  struct key_hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Key = salt (fixed 16 bytes) || sender: unambiguous without a separator. Built in a caller's
  // buffer so lookups do not allocate.
  static std::string_view make_key(std::string_view sender, const session_salt &salt, std::string &buf);

  size_t max_;
  std::list<entry> lru_;  // front = most recently used
  std::unordered_map<std::string, std::list<entry>::iterator, key_hash, std::equal_to<>> index_;
};

}  // namespace ra::crypto
