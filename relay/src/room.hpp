// relay/room.hpp — one room: the peers joined under one routing id, keyed by peer id, and the
// counters /api/* shows. A room only stores and fans out; the rules of joining and leaving are in
// room_registry, the handling of each frame in frame_handler.
// Thread safety: none; used from the relay's io_context thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "peer_link.hpp"
#include "rate_limiter.hpp"
#include "wire/frame.hpp"

namespace ra::relay {

class room;

// One joined connection. The session keeps it after leaving (to drop frames that still arrive);
// `home` and `link` are cleared when it leaves or is replaced, which also breaks the
// session → member → session reference cycle.
struct member {
  std::string peer_id;
  wire::resume_secret resume{};
  room *home = nullptr;
  std::shared_ptr<peer_link> link;
  rate_limiter limiter;
  int64_t connected_at_ms = 0;
  uint64_t frames_in = 0, bytes_in = 0, bytes_out = 0;

  bool active() const { return home != nullptr; }
};

class room {
 public:
  using member_map = std::map<std::string, std::shared_ptr<member>, std::less<>>;

  room(const wire::routing_id &id, int64_t created_at_ms) : id_(id), created_at_ms_(created_at_ms) {}

  const wire::routing_id &id() const { return id_; }
  int64_t created_at_ms() const { return created_at_ms_; }
  uint64_t bytes_in() const { return bytes_in_; }
  uint64_t bytes_out() const { return bytes_out_; }
  size_t size() const { return members_.size(); }
  bool empty() const { return members_.empty(); }
  const member_map &members() const { return members_; }

  member *find(std::string_view peer_id) const;
  void insert(std::shared_ptr<member> m);
  std::shared_ptr<member> take(std::string_view peer_id);

  // Queues `frame` to `to`, counting its bytes. False when a droppable frame was refused.
  bool push(member &to, const shared_frame &frame, bool droppable);
  // Queues a control frame to every member except `except`.
  void broadcast(const shared_frame &frame, const member *except);
  void count_in(size_t bytes) { bytes_in_ += bytes; }

 private:
  wire::routing_id id_;
  int64_t created_at_ms_;
  uint64_t bytes_in_ = 0, bytes_out_ = 0;
  member_map members_;
};

}  // namespace ra::relay
