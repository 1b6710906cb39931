#include "peer/result_cache.hpp"

#include <algorithm>

namespace ra::peer {

result_cache::verdict result_cache::admit(std::string_view id, int64_t expires_at_ms, int64_t now_ms,
                                          std::string *reply) {
  auto it = entries_.find(std::string(id));
  if (it != entries_.end()) {
    if (!it->second.done) return verdict::running;
    if (reply) *reply = it->second.reply;
    return verdict::done;
  }
  if (expires_at_ms <= now_ms) return verdict::expired;
  if (entries_.size() >= opt_.max_entries) {
    prune(now_ms);
    if (entries_.size() >= opt_.max_entries) return verdict::busy;
  }
  entry e;
  e.expires_at_ms = std::min(expires_at_ms, now_ms + opt_.max_ttl_ms);
  entries_.emplace(std::string(id), std::move(e));
  return verdict::run;
}

void result_cache::complete(std::string_view id, std::string reply_json) {
  auto it = entries_.find(std::string(id));
  if (it == entries_.end() || it->second.done) return;
  it->second.done = true;
  bytes_ += reply_json.size();
  it->second.reply = std::move(reply_json);
  done_order_.emplace_back(id);
  trim_bytes();
}

void result_cache::trim_bytes() {
  while (bytes_ > opt_.max_bytes && !done_order_.empty()) {
    auto it = entries_.find(done_order_.front());
    done_order_.pop_front();
    if (it == entries_.end() || it->second.body_dropped) continue;
    bytes_ -= it->second.reply.size();
    it->second.reply.clear();
    it->second.reply.shrink_to_fit();
    it->second.body_dropped = true;
  }
}

void result_cache::prune(int64_t now_ms) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.expires_at_ms <= now_ms) {
      bytes_ -= it->second.reply.size();
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  // done_order_ may name erased ids; trim_bytes skips them. Keep it from growing without bound.
  if (done_order_.size() > 2 * entries_.size() + 1024) {
    std::deque<std::string> kept;
    for (auto &id : done_order_) {
      auto it = entries_.find(id);
      if (it != entries_.end() && !it->second.body_dropped) kept.push_back(id);
    }
    done_order_.swap(kept);
  }
}

}  // namespace ra::peer
