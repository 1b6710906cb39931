#include "outbound_queue.hpp"

namespace ra::relay {

outbound_queue::outbound_queue(budget soft, size_t extra_control_frames)
    : soft_(soft), hard_{soft.frames * 4 + extra_control_frames, soft.bytes * 4} {}

outbound_queue::verdict outbound_queue::push(shared_frame frame, bool droppable) {
  if (!frames_.empty()) {
    const budget &b = droppable ? soft_ : hard_;
    if (frames_.size() >= b.frames || bytes_ + frame->size() > b.bytes) {
      return droppable ? verdict::dropped : verdict::overflow;
    }
  }
  bytes_ += frame->size();
  frames_.push_back(std::move(frame));
  return verdict::queued;
}

void outbound_queue::pop() {
  bytes_ -= frames_.front()->size();
  frames_.pop_front();
}

void outbound_queue::clear() {
  frames_.clear();
  bytes_ = 0;
}

}  // namespace ra::relay
