// crypto/envelope.hpp — the end-to-end envelope: a small versioned header, then AES-GCM
// ciphertext || tag. The whole header is the AAD, so every header byte is authenticated.
//
//   off  size      field
//   0    1         version            = 2 (v1 was the reference's nonce||ct||tag, no header)
//   1    1         kind               1 request, 2 reply, 3 partial, 4 info, 5 event, 6 control
//   2    1         flags              opaque to crypto/, authenticated, returned to the caller
//   3    1         sender_len         1..64
//   4    s         sender id          visible ASCII (0x21..0x7e)
//   ..   1         recipient_len      0..64 (0 = everyone in the room)
//   ..   r         recipient id       visible ASCII
//   ..   16        session salt       random per sender session
//   ..   8         sequence           u64 big-endian, the GCM nonce counter
//   ..   1         signature_len      0..128, reserved for per-node Ed25519 (next protocol step)
//   ..   g         signature          must be empty for now (the opener refuses non-empty)
//   ..   n + 16    ciphertext || tag
//
// Parsing never allocates: the result points into the caller's buffer.
// Thread safety: pure functions; an envelope_view is valid only while its frame buffer lives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/session.hpp"
#include "util/status.hpp"

namespace ra::crypto {

inline constexpr uint8_t k_envelope_version = 2;
inline constexpr size_t k_max_peer_id = 64;
inline constexpr size_t k_max_signature = 128;
inline constexpr size_t k_default_max_frame = 1024 * 1024;
// Smallest possible frame: fixed fields, a 1-byte sender, an empty body and the tag.
inline constexpr size_t k_min_frame = 4 + 1 + 1 + k_session_salt_size + 8 + 1 + k_gcm_tag_size;
inline constexpr size_t k_max_header =
    4 + k_max_peer_id + 1 + k_max_peer_id + k_session_salt_size + 8 + 1 + k_max_signature;
// A configured frame limit must lie in [k_min_frame + 1 KiB, 64 MiB].
inline constexpr size_t k_max_frame_limit = 64 * 1024 * 1024;

enum class frame_kind : uint8_t {
  request = 1,  // a tool call
  reply = 2,    // its final result
  partial = 3,  // streamed output while a call runs
  info = 4,     // a peer's description (name, tags, platform, tools)
  event = 5,    // unsolicited notifications
  control = 6,  // link-level messages between peers (e.g. cancel, resend)
};
bool is_known_kind(uint8_t kind);
const char *kind_name(frame_kind kind);

struct envelope_header {
  frame_kind kind = frame_kind::request;
  uint8_t flags = 0;
  std::string_view sender;
  std::string_view recipient;  // empty = room broadcast
  session_salt salt{};
  uint64_t sequence = 0;
  std::span<const uint8_t> signature;  // empty until signatures exist
};

struct envelope_view {
  envelope_header header;
  std::span<const uint8_t> header_bytes;  // the AAD
  std::span<const uint8_t> sealed;        // ciphertext || tag (at least the tag)
};

// True if `id` is a legal sender (non-empty) or recipient id: <= 64 visible ASCII bytes. Ids are
// restricted so that they can be logged and used in relay routing tables without escaping.
bool valid_peer_id(std::string_view id, bool allow_empty);

status validate_frame_limit(size_t max_frame);

size_t header_size(const envelope_header &h);

// Appends the encoded header to `out`. Checks every field against the bounds above.
status encode_header(const envelope_header &h, std::vector<uint8_t> &out);

// Splits a frame into header and sealed body; rejects anything malformed, truncated or larger
// than max_frame with a status that names the problem (never the frame's contents).
result<envelope_view> parse_envelope(std::span<const uint8_t> frame, size_t max_frame = k_default_max_frame);

}  // namespace ra::crypto
