// crypto/sealer.hpp — turns plaintext into envelopes for one sender session.
//
// A sealer is one sender session: it draws a random 16-byte session salt when created, derives the
// session key from the room key, and numbers its frames 0, 1, 2, … — the sequence is the GCM
// nonce, so it is never handed out twice. When the counter would wrap, seal() refuses
// (RA_RESOURCE_EXHAUSTED) and the caller must create a new sealer, which gets a new salt and key.
// Keep one sealer per process for its whole life (across reconnects): every new sealer is a new
// session that receivers must start tracking.
// Thread safety: thread-safe; seal() serialises on an internal mutex, so concurrent callers get
// distinct sequence numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/envelope.hpp"
#include "crypto/room_crypto.hpp"
#include "util/status.hpp"

namespace ra::crypto {

struct sealer_options {
  size_t max_frame = k_default_max_frame;  // refuse to produce frames receivers would refuse
  // First sequence number. Safe to set because every sealer has a fresh random salt (= fresh key);
  // tests use it to reach the end of the counter.
  uint64_t first_sequence = 0;
};

class sealer {
 public:
  // sender_id: 1..64 visible ASCII bytes (see envelope.hpp).
  static result<sealer> create(const room_crypto &room, std::string sender_id, sealer_options options = {});
  sealer(sealer &&) noexcept;
  sealer &operator=(sealer &&) noexcept;
  ~sealer();

  // recipient: a peer id, or empty for everyone in the room. flags are carried authenticated and
  // uninterpreted. Errors: RA_INVALID_ARGUMENT (bad recipient/kind), RA_RESOURCE_EXHAUSTED (frame
  // too large, counter exhausted), RA_INTERNAL (crypto library failure; the sequence is skipped).
  result<std::vector<uint8_t>> seal(frame_kind kind, std::string_view recipient, std::span<const uint8_t> plaintext,
                                    uint8_t flags = 0);

  const std::string &sender_id() const;
  const session_salt &salt() const;
  uint64_t next_sequence() const;

 private:
  struct state;
  explicit sealer(std::unique_ptr<state> s);
  std::unique_ptr<state> s_;
};

}  // namespace ra::crypto
