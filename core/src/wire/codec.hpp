// wire/codec.hpp — encoding and decoding relay frames (layout in frame.hpp and relay/PROTOCOL.md).
//
// decode() checks every length against the bytes present and against `limits` before using it,
// reads through a bounds-checked cursor, allocates only the vector of ids of a welcome or send
// (bounded by limits.max_peers and by the bytes present), and returns views into `bytes`. Its
// errors say what is wrong, never what a field contained (a token must not reach a log), and their
// status code selects the WebSocket close (close.hpp):
//   RA_RESOURCE_EXHAUSTED  frame larger than max_frame, or payload larger than max_payload  → 1009
//   RA_UNIMPLEMENTED       not "RA", a version other than 1, or an unknown frame type     → 1002
//   RA_INVALID_ARGUMENT    anything else malformed: truncation, length mismatch, bad id,
//                          too many ids, duplicates, trailing bytes, out-of-range fields    → 1007
//
// encode() applies the same rules, so whatever it produces decodes under the same limits.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "util/status.hpp"
#include "wire/frame.hpp"

namespace ra::wire {

result<frame> decode(std::span<const uint8_t> bytes, const limits &lim = {});

// The whole frame as a new buffer.
result<std::vector<uint8_t>> encode(const frame &f, const limits &lim = {});

// Appends the whole frame to `out`; leaves `out` unchanged on error.
status encode_to(const frame &f, std::vector<uint8_t> &out, const limits &lim = {});

// Appends everything but the trailing payload of a send or deliver (body_len counts the payload),
// so a writer can gather {head, payload} without copying the payload: the relay turns a send into
// deliver frames this way. For other types it appends the whole frame.
status encode_head(const frame &f, std::vector<uint8_t> &out, const limits &lim = {});

// The number of bytes encode() would produce (the fields are not checked).
size_t encoded_size(const frame &f);

}  // namespace ra::wire
