// crypto/session.hpp — per-sender session keys and counter nonces.
//
//   session_key = HKDF-SHA256(ikm = e2e room key, salt = session salt (16 random bytes),
//                             info = "remote-agents/v2 sender-session" || u8 len || sender id)
//   nonce       = 00 00 00 00 || sequence (u64, big-endian)
//
// Every sealer draws a fresh random session salt, so each (process, sender) gets its own AES key
// and the counter only has to be unique within that key — which a 64-bit counter that never wraps
// guarantees without any state on disk. Binding the sender id into the key means a frame cannot be
// re-labelled with another sender even before the AAD check.
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "crypto/primitives.hpp"
#include "crypto/secret_key.hpp"
#include "util/status.hpp"

namespace ra::crypto {

inline constexpr std::string_view k_sender_session_label = "remote-agents/v2 sender-session";
inline constexpr size_t k_session_salt_size = 16;
using session_salt = std::array<uint8_t, k_session_salt_size>;

// sender_id must be 1..255 bytes here (the envelope narrows it further).
result<secret_key> derive_session_key(const secret_key &room_key, std::string_view sender_id, const session_salt &salt);

std::array<uint8_t, k_gcm_nonce_size> session_nonce(uint64_t sequence);

}  // namespace ra::crypto
