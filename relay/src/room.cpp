#include "room.hpp"

namespace ra::relay {

member *room::find(std::string_view peer_id) const {
  auto it = members_.find(peer_id);
  return it == members_.end() ? nullptr : it->second.get();
}

void room::insert(std::shared_ptr<member> m) {
  m->home = this;
  std::string key = m->peer_id;
  members_[std::move(key)] = std::move(m);
}

std::shared_ptr<member> room::take(std::string_view peer_id) {
  auto it = members_.find(peer_id);
  if (it == members_.end()) return nullptr;
  auto m = std::move(it->second);
  members_.erase(it);
  return m;
}

bool room::push(member &to, const shared_frame &frame, bool droppable) {
  if (!frame || !to.link) return false;
  if (!to.link->push(frame, droppable)) return false;
  to.bytes_out += frame->size();
  bytes_out_ += frame->size();
  return true;
}

void room::broadcast(const shared_frame &frame, const member *except) {
  for (auto &[id, m] : members_) {
    if (m.get() != except) push(*m, frame, false);
  }
}

}  // namespace ra::relay
