// relay/peer_link.hpp — what the room logic needs from a joined connection: queue a frame, and
// close. The WebSocket session implements it; unit tests use a fake, so the rooms and the
// per-frame decisions are tested without sockets.
// Thread safety: called only from the relay's io_context thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "outbound_queue.hpp"

namespace ra::relay {

class peer_link {
 public:
  virtual ~peer_link() = default;

  // Queues one encoded frame after everything queued before it. A droppable frame is refused
  // (false) when the connection's queue is over its budget. A control frame is never refused; if
  // it overflows the hard budget the link closes itself as lost, later, never from inside push().
  virtual bool push(shared_frame frame, bool droppable) = 0;

  // Writes what is queued, then closes the WebSocket with `code` and `reason`. Called by the
  // registry after it has removed the member, so the link must not report back to the registry.
  virtual void close(uint16_t code, std::string_view reason) = 0;
};

}  // namespace ra::relay
