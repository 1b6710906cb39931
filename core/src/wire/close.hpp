// wire/close.hpp — which WebSocket close code and reason end a connection, for each way it can
// end (table in relay/PROTOCOL.md "Close codes"). Both sides use it: the relay to close, a peer to
// decide whether to reconnect.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.hpp"
#include "wire/frame.hpp"

namespace ra::wire {

enum class close_code : uint16_t {
  normal = 1000,            // after a bye
  going_away = 1001,        // relay shutting down, idle timeout: reconnect with backoff
  protocol_error = 1002,    // bad magic, unknown version or type, a frame the sender may not send,
                            // a frame before the hello or a second hello
  unsupported_data = 1003,  // a text message: the protocol is binary only
  invalid_payload = 1007,   // a frame of a known type with malformed contents
  policy_violation = 1008,  // bad access token, hello timeout, sustained rate-limit abuse
  too_big = 1009,           // frame over max_frame, payload over max_payload
  internal_error = 1011,
  try_again_later = 1013,  // room full, too many rooms, busy: reconnect with backoff
  replaced = 4000,         // the same peer (same id and resume secret) connected again
};

struct close_reason {
  uint16_t code = static_cast<uint16_t>(close_code::normal);
  std::string reason;  // printable ASCII, <= 123 bytes: fits a close frame
};

// For a decode() error: 1009, 1002 or 1007 by status code (codec.hpp), with the message as reason.
close_reason close_for(const status &decode_error);

// For a refusal sent as join_refused: the code from the table in frame.hpp, its text as reason
// (or the refusal's name when the text is empty).
close_reason close_for(const join_refused &r);
close_code close_code_for(refusal r);

// What a peer does after the relay closed its connection with `code`. A daemon never gives up
// (ARCHITECTURE: it survives relay restarts and graceful closes); it only changes the pace:
//   backoff  the normal capped, jittered backoff: 1000 unasked, 1001, 1006 (dropped), 1011–1014
//   slow     the longest backoff and an error log: the relay refused us on policy (1008) or for
//            a protocol problem of ours (1002/1003/1007/1009); repeating it fast only repeats
//            the refusal, but an operator may fix the token or upgrade the relay meanwhile
//   none     4000: this process already holds a newer connection under the same id
// A join_refused with peer_id_in_use is the exception the link handles itself: pick a new id.
enum class retry { backoff, slow, none };
retry retry_after(uint16_t code);

// Makes `text` a valid close reason: non-printable bytes become '?', then cut to 123 bytes.
std::string clip_reason(std::string_view text);

}  // namespace ra::wire
