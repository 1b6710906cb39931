// wire/routing_id.hpp — the room's relay routing id as text: 64 lower-case hex digits, the form used
// in the WebSocket URL (/ws/room/<hex>), in the relay's /api/* output and in logs. The routing id
// is an HKDF output derived from the room secret (core/src/crypto/key_schedule): public, and
// useless for recovering the room token or key. The relay links wire/ but never crypto/, so the
// conversion lives here.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wire/frame.hpp"

namespace ra::wire {

std::string to_hex(const routing_id &id);

// nullopt unless `text` is exactly 64 hex digits. Upper case is accepted; to_hex writes lower case,
// which is the canonical form a relay uses as a room key.
std::optional<routing_id> parse_routing_id(std::string_view text);

}  // namespace ra::wire
