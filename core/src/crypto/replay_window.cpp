#include "crypto/replay_window.hpp"

#include <algorithm>

namespace ra::crypto {

replay_verdict replay_window::check(uint64_t sequence) const {
  if (!any_ || sequence > top_) return replay_verdict::fresh;
  if (top_ - sequence >= k_size) return replay_verdict::too_old;
  return bit(sequence) ? replay_verdict::duplicate : replay_verdict::fresh;
}

void replay_window::commit(uint64_t sequence) {
  if (!any_) {
    any_ = true;
    top_ = sequence;
    bits_.fill(0);
  } else if (sequence > top_) {
    // Slide: the slots of top+1 .. sequence now stand for new sequence numbers; forget them.
    const uint64_t advance = sequence - top_;
    if (advance >= k_size) {
      bits_.fill(0);
    } else {
      // Counted loop: `s <= sequence` would never end when sequence == UINT64_MAX.
      for (uint64_t i = 1; i <= advance; ++i) clear(top_ + i);
    }
    top_ = sequence;
  } else if (top_ - sequence >= k_size) {
    return;
  }
  set(sequence);
}

replay_table::replay_table(size_t max_sessions) : max_(std::max<size_t>(max_sessions, 1)) {}

std::string_view replay_table::make_key(std::string_view sender, const session_salt &salt, std::string &buf) {
  buf.assign(reinterpret_cast<const char *>(salt.data()), salt.size());
  buf.append(sender);
  return buf;
}

replay_verdict replay_table::check(std::string_view sender, const session_salt &salt, uint64_t sequence) const {
  thread_local std::string buf;  // reused: no allocation per lookup once warm
  auto it = index_.find(make_key(sender, salt, buf));
  if (it == index_.end()) return replay_verdict::fresh;
  return it->second->window.check(sequence);
}

bool replay_table::tracks(std::string_view sender, const session_salt &salt) const {
  std::string buf;
  return index_.find(make_key(sender, salt, buf)) != index_.end();
}

void replay_table::commit(std::string_view sender, const session_salt &salt, uint64_t sequence) {
  std::string key;
  make_key(sender, salt, key);
  auto it = index_.find(key);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
  } else {
    if (index_.size() >= max_) {
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
    lru_.push_front(entry{key, {}});
    index_.emplace(std::move(key), lru_.begin());
  }
  lru_.front().window.commit(sequence);
}

}  // namespace ra::crypto
