// relay/outbound_queue.hpp — the frames waiting to be written to one connection (one async_write
// at a time drains it). Bounded so a peer that reads slowly cannot make the relay buffer without
// limit: over the soft budget, droppable frames (deliver, error, pong) are refused and the sender
// learns it from error(recipient_busy); control frames (welcome, peer_joined, peer_left, bye) are
// never dropped, because peers rely on seeing every join and leave, but over the hard budget
// (four times the soft one) the connection is beyond help and the caller closes it.
// Thread safety: none; owned by one connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace ra::relay {

// One encoded frame, shared by every recipient of a broadcast.
using shared_frame = std::shared_ptr<const std::vector<uint8_t>>;

struct queue_budget {
  size_t frames = 1024;
  size_t bytes = 16u << 20;
};

class outbound_queue {
 public:
  using budget = queue_budget;
  enum class verdict { queued, dropped, overflow };

  explicit outbound_queue(budget soft = {}, size_t extra_control_frames = 0);

  // An empty queue takes any one frame, so a frame of max_frame bytes always gets through.
  verdict push(shared_frame frame, bool droppable);
  bool empty() const { return frames_.empty(); }
  const shared_frame &front() const { return frames_.front(); }
  void pop();
  size_t size() const { return frames_.size(); }
  size_t bytes() const { return bytes_; }
  void clear();

 private:
  budget soft_, hard_;
  std::deque<shared_frame> frames_;
  size_t bytes_ = 0;
};

}  // namespace ra::relay
