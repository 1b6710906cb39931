// relay/frames.hpp — encoding the frames the relay originates. Their fields come from the relay
// itself or from frames that already passed decode(), so encoding cannot fail unless there is a
// bug; then the result is null, the failure is logged, and the caller skips the frame.
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "outbound_queue.hpp"
#include "wire/codec.hpp"

namespace ra::relay {

shared_frame make_frame(const wire::frame &f, const wire::limits &lim);

inline shared_frame make_error(wire::error_code code, std::string_view peer_id, std::string_view text,
                               const wire::limits &lim) {
  return make_frame(wire::error{code, peer_id, text}, lim);
}

}  // namespace ra::relay
