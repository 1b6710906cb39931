// peer/result_cache.hpp — the executor's half of exactly-once execution (relay/PROTOCOL.md §9):
// every request id is remembered until its expiry, so a request delivered twice (the controller
// re-sent it after a relay restart, or a relay replayed it) is answered from here and never run again.
//
//   admit(id)  → run       first time: recorded as running; the caller runs it
//              → running   already running: the reply goes out when it finishes
//              → done      finished: re-send the cached reply
//              → expired   past its expiry: refuse, never run (a replay after a restart)
//              → busy      the table is full of unexpired ids: refuse for now (the controller retries)
//
// Memory is bounded two ways: at most max_entries ids, and at most max_bytes of cached replies. When
// replies exceed max_bytes the oldest bodies are dropped but their ids are kept: a late repeat then
// gets "result no longer cached", which is an answer, not a second run.
// Thread safety: not thread-safe; the peer node uses it from its own thread.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ra::peer {

class result_cache {
 public:
  enum class verdict { run, running, done, expired, busy };

  struct options {
    size_t max_entries = 65536;
    size_t max_bytes = 64u << 20;
    int64_t max_ttl_ms = int64_t(7) * 24 * 3600 * 1000;  // expiries further out are clamped
  };

  result_cache() : result_cache(options{}) {}
  explicit result_cache(options o) : opt_(o) {}

  // `reply` is set for verdict::done (empty when the body was dropped for memory).
  verdict admit(std::string_view id, int64_t expires_at_ms, int64_t now_ms, std::string *reply = nullptr);
  // Stores the reply of a request admitted with `run`. Unknown ids are ignored.
  void complete(std::string_view id, std::string reply_json);
  // Forgets ids whose expiry has passed.
  void prune(int64_t now_ms);

  size_t size() const { return entries_.size(); }
  size_t cached_bytes() const { return bytes_; }

 private:
  struct entry {
    int64_t expires_at_ms = 0;
    bool done = false;
    bool body_dropped = false;
    std::string reply;
  };
  void trim_bytes();

  options opt_;
  std::unordered_map<std::string, entry> entries_;
  std::deque<std::string> done_order_;  // completion order, for dropping the oldest bodies first
  size_t bytes_ = 0;
};

}  // namespace ra::peer
