// relay/frame_handler.hpp — what the relay does with one decoded frame from a joined peer: the
// direction check, the rate limit, routing a send to its recipients as deliver frames, answering
// a ping, and a bye. It has no sockets: the effects are frames queued on peer links and an
// optional close, so it is unit-tested (and fuzzable) with fake links.
// Thread safety: none; used from the relay's io_context thread only.
#pragma once

#include <chrono>
#include <optional>

#include "room_registry.hpp"
#include "wire/close.hpp"
#include "wire/frame.hpp"

namespace ra::relay {

// `wire_size` is the message's length in bytes. A returned close_reason means: the connection
// must end with it. handle_frame() has then already removed the member for a bye; for anything
// else the caller removes it with leave(lost) and closes.
std::optional<wire::close_reason> handle_frame(room_registry &rooms, member &from, const wire::frame &f,
                                               size_t wire_size, std::chrono::steady_clock::time_point now);

// The close for a frame that arrives before the hello, when it is not a hello.
wire::close_reason close_before_hello(const wire::frame &f);

}  // namespace ra::relay
