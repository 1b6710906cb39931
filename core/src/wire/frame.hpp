// wire/frame.hpp — the frames of the relay protocol (relay/PROTOCOL.md is the specification; this
// header is its C++ shape). Peers and the relay exchange one frame per WebSocket binary message:
//
//   off  size  field
//   0    2     magic      "RA" (0x52 0x41): a stray client (e.g. the reference's protobuf) is named
//   2    1     version    1 (the only version this build speaks)
//   3    1     type       frame_type below
//   4    4     body_len   u32 big-endian; must equal the bytes that follow (the message delimits
//                         frames already; the length catches truncation and allows a stream transport)
//   8    n     body       per type, every variable field length-prefixed; send/deliver end with
//                         the payload so that it can be gathered, not copied
//
// This layer knows nothing of crypto: a send/deliver payload is an opaque end-to-end envelope
// (core/src/crypto/), which the relay forwards unchanged. The relay sees only a routing id, its own
// access token and opaque peer ids. Each frame has exactly one encoding (decode then encode gives
// the same bytes), which the tests and the fuzz target check.
//
// Frames are views: their string_view/span members point into the buffer they were decoded from,
// or into whatever the caller built them from, and are valid only while that lives.
// Thread safety: value types and pure functions; no shared state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "util/status.hpp"

namespace ra::wire {

inline constexpr std::array<uint8_t, 2> k_magic = {0x52, 0x41};  // "RA"
inline constexpr uint8_t k_version = 1;                          // newest version this build speaks
inline constexpr uint8_t k_min_version = 1;                      // oldest
inline constexpr size_t k_header_size = 8;

inline constexpr size_t k_routing_id_size = 32;
inline constexpr size_t k_resume_secret_size = 16;
inline constexpr size_t k_max_peer_id = 64;  // same rule as the envelope's sender/recipient ids
inline constexpr size_t k_max_token = 255;
// Reason texts are sized to fit a WebSocket close frame (125 bytes minus the 2-byte code), so a
// refusal's text can be the close reason verbatim.
inline constexpr size_t k_max_text = 123;

inline constexpr size_t k_default_max_frame = 1024 * 1024;
inline constexpr size_t k_max_frame_cap = 64 * 1024 * 1024;
inline constexpr size_t k_min_frame_limit = 4096;
inline constexpr size_t k_max_peers_cap = 8192;  // u16 on the wire; 8192 ids fit a 1 MiB welcome

// The largest possible hello: a relay reads at most this many bytes before a peer has joined, so
// bogus connections cannot make it buffer a full frame.
inline constexpr size_t k_max_hello_frame =
    k_header_size + 2 + k_routing_id_size + k_resume_secret_size + 1 + k_max_peer_id + 1 + k_max_token;
// deliver = header + sender id + payload. A send's payload is capped so that the deliver built from
// it still fits max_frame, whatever the sender's id: see max_payload().
inline constexpr size_t k_max_deliver_overhead = k_header_size + 1 + k_max_peer_id;

enum class frame_type : uint8_t {
  hello = 1,         // peer → relay, first frame: join a room
  welcome = 2,       // relay → peer: joined; your id, the room's peers, the limits
  join_refused = 3,  // relay → peer: not joined, then close
  peer_joined = 4,   // relay → peer
  peer_left = 5,     // relay → peer
  send = 6,          // peer → relay: payload for some peers or the whole room
  deliver = 7,       // relay → peer: payload from one peer
  ping = 8,          // either way; answered by pong with the same nonce
  pong = 9,          // either way
  error = 10,        // relay → peer: a non-fatal problem (a frame was dropped)
  bye = 11,          // either way: leaving on purpose; the WebSocket close follows
};
inline constexpr uint8_t k_max_type = 11;

bool is_known_type(uint8_t type);
const char *type_name(frame_type type);  // "hello", …; "unknown" otherwise
bool peer_may_send(frame_type type);     // the relay closes with 1002 on anything else from a peer
bool relay_may_send(frame_type type);    // the peer closes with 1002 on anything else from the relay

// Codes are u16/u8 on the wire and kept as such: a newer relay may use codes this build does not
// name, and they still decode and re-encode unchanged.
enum class refusal : uint16_t {
  unsupported_version = 1,  // no common version                               close 1002
  unauthorized = 2,         // relay access token missing or wrong             close 1008
  room_full = 3,            // max peers per room reached                      close 1013
  too_many_rooms = 4,       // max rooms reached                               close 1013
  room_mismatch = 5,        // hello's routing id differs from the URL's       close 1008
  peer_id_in_use = 6,       // id held by another live connection               close 1008
  busy = 7,                 // too many handshakes in progress                 close 1013
  shutting_down = 8,        // the relay is stopping                           close 1001
};
const char *refusal_name(refusal r);

enum class leave_reason : uint8_t {
  unspecified = 0,
  bye = 1,   // the peer said bye
  lost = 2,  // the connection ended without bye: network, idle timeout, a protocol error
};

enum class error_code : uint16_t {
  unknown_recipient = 1,  // a send named a peer not in the room; peer_id names it
  rate_limited = 2,       // a frame was dropped by the per-connection rate limit
  recipient_busy = 3,     // a recipient's outbound queue was full; peer_id names it
};
const char *error_code_name(error_code c);

using routing_id = std::array<uint8_t, k_routing_id_size>;
using resume_secret = std::array<uint8_t, k_resume_secret_size>;

struct hello {
  uint8_t min_version = k_min_version;    // the range the peer speaks; the relay picks the highest
  uint8_t max_version = k_version;        // common one and uses it from the welcome on
  routing_id room{};                      // HKDF output of the room secret; never the room token
  resume_secret resume{};                 // random per process: lets a reconnect replace its own
                                          // stale connection, and nobody else's
  std::string_view peer_id;               // 0..64 visible ASCII; empty = the relay assigns one
  std::span<const uint8_t> access_token;  // the relay's own --token (0..255 bytes), not the room's
};

struct welcome {
  std::string_view peer_id;             // the id this connection has in the room
  uint32_t max_frame = 0;               // bytes per frame, header included, both directions
  uint16_t max_peers = 0;               // peers per room
  uint32_t rate_per_s = 0;              // frames per second a peer may send, sustained; 0 = no limit
  uint32_t rate_burst = 0;              // … and in a burst
  uint32_t idle_timeout_s = 0;          // the relay closes a silent connection after this; 0 = never
  std::vector<std::string_view> peers;  // the others already in the room (not this peer)
};

struct join_refused {
  refusal reason = refusal::unsupported_version;
  std::string_view text;  // printable ASCII, <= 123 bytes; becomes the close reason
};

struct peer_joined {
  std::string_view peer_id;
};

struct peer_left {
  std::string_view peer_id;
  leave_reason reason = leave_reason::unspecified;
};

struct send {
  std::vector<std::string_view> to;  // distinct peer ids; empty = everyone in the room but the sender
  std::span<const uint8_t> payload;  // an end-to-end envelope, opaque here
};

struct deliver {
  std::string_view from;  // the sending connection's peer id, as the relay knows it
  std::span<const uint8_t> payload;
};

struct ping {
  uint64_t nonce = 0;  // opaque; echoed by the pong (e.g. a send timestamp for RTT)
};

struct pong {
  uint64_t nonce = 0;
};

struct error {
  error_code code = error_code::unknown_recipient;
  std::string_view peer_id;  // the peer it is about, or empty
  std::string_view text;     // printable ASCII, <= 123 bytes
};

struct bye {
  uint16_t close_code = 1000;  // the WebSocket close code the sender will close with
  std::string_view text;       // printable ASCII, <= 123 bytes
};

using frame = std::variant<hello, welcome, join_refused, peer_joined, peer_left, send, deliver, ping, pong, error, bye>;

frame_type type_of(const frame &f);

// Field-by-field equality (spans compare by content). Used by tests and the fuzz target.
bool operator==(const hello &a, const hello &b);
bool operator==(const welcome &a, const welcome &b);
bool operator==(const join_refused &a, const join_refused &b);
bool operator==(const peer_joined &a, const peer_joined &b);
bool operator==(const peer_left &a, const peer_left &b);
bool operator==(const send &a, const send &b);
bool operator==(const deliver &a, const deliver &b);
bool operator==(const ping &a, const ping &b);
bool operator==(const pong &a, const pong &b);
bool operator==(const error &a, const error &b);
bool operator==(const bye &a, const bye &b);

// What one side accepts. A client decodes the welcome with the defaults, then adopts the welcome's
// max_frame and max_peers; the relay uses its configured values for everything after the hello.
struct limits {
  size_t max_frame = k_default_max_frame;  // whole frame, header included
  size_t max_peers = k_max_peers_cap;      // entries in a welcome's peer list or a send's recipients
};

// max_frame in [k_min_frame_limit, k_max_frame_cap], max_peers in [1, k_max_peers_cap], and a
// welcome listing max_peers - 1 ids of 64 bytes must fit max_frame.
status validate(const limits &lim);

// The largest payload a send or deliver may carry under `lim`: peers seal envelopes no larger.
size_t max_payload(const limits &lim);

// The encoded size of a welcome listing `peers` ids of the longest length.
size_t max_welcome_size(size_t peers);

// Rules shared with the envelope: ids are 1..64 bytes of 0x21..0x7e, so they can be logged and used
// as routing-table keys without escaping. Texts are 0..123 bytes of 0x20..0x7e.
bool valid_peer_id(std::string_view id);
bool valid_text(std::string_view text);
// A code that RFC 6455 §7.4 allows in a close frame: 1000–1003, 1007–1014, 3000–4999.
bool valid_close_code(uint16_t code);

}  // namespace ra::wire
