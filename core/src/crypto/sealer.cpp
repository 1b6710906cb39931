#include "crypto/sealer.hpp"

#include <limits>
#include <mutex>

#include "crypto/primitives.hpp"
#include "crypto/session.hpp"

namespace ra::crypto {

struct sealer::state {
  std::string sender_id;
  session_salt salt{};
  size_t max_frame = k_default_max_frame;
  mutable std::mutex mu;
  aes256_gcm cipher;         // guarded by mu
  uint64_t next_sequence{};  // guarded by mu

  state(aes256_gcm c) : cipher(std::move(c)) {}
};

sealer::sealer(std::unique_ptr<state> s) : s_(std::move(s)) {}
sealer::sealer(sealer &&) noexcept = default;
sealer &sealer::operator=(sealer &&) noexcept = default;
sealer::~sealer() = default;

result<sealer> sealer::create(const room_crypto &room, std::string sender_id, sealer_options options) {
  if (!valid_peer_id(sender_id, false)) return invalid_argument("sender id must be 1..64 visible ASCII bytes");
  if (status s = validate_frame_limit(options.max_frame); !s) return s;

  session_salt salt{};
  if (status s = random_bytes(salt); !s) return s;
  auto key = derive_session_key(room.e2e_room_key(), sender_id, salt);
  if (!key) return key.error();
  auto cipher = aes256_gcm::create(key->bytes());
  if (!cipher) return cipher.error();

  auto st = std::make_unique<state>(std::move(*cipher));
  st->sender_id = std::move(sender_id);
  st->salt = salt;
  st->max_frame = options.max_frame;
  st->next_sequence = options.first_sequence;
  return sealer(std::move(st));
}

result<std::vector<uint8_t>> sealer::seal(frame_kind kind, std::string_view recipient,
                                          std::span<const uint8_t> plaintext, uint8_t flags) {
  envelope_header h;
  h.kind = kind;
  h.flags = flags;
  h.sender = s_->sender_id;
  h.recipient = recipient;
  h.salt = s_->salt;
  // Checked before a sequence number is taken, so a refused call costs no counter value.
  if (!is_known_kind(static_cast<uint8_t>(kind))) return invalid_argument("unknown frame kind");
  if (!valid_peer_id(recipient, true)) return invalid_argument("recipient id must be 0..64 visible ASCII bytes");
  const size_t frame_size = header_size(h) + plaintext.size() + k_gcm_tag_size;
  if (plaintext.size() > s_->max_frame || frame_size > s_->max_frame) {
    return status(RA_RESOURCE_EXHAUSTED, "message too large for one envelope (" + std::to_string(plaintext.size()) +
                                             " bytes; the frame limit is " + std::to_string(s_->max_frame) + ")");
  }

  std::vector<uint8_t> frame;
  frame.reserve(frame_size);
  std::lock_guard lock(s_->mu);
  // UINT64_MAX is never used: reaching it means the session is spent, and a new sealer (new salt,
  // new key) must take over. Refusing here is what makes nonce reuse impossible.
  if (s_->next_sequence == std::numeric_limits<uint64_t>::max()) {
    return status(RA_RESOURCE_EXHAUSTED, "sender session exhausted its 64-bit counter; start a new session");
  }
  h.sequence = s_->next_sequence++;
  if (status s = encode_header(h, frame); !s) return s;
  const auto nonce = session_nonce(h.sequence);
  if (status s = s_->cipher.seal(nonce, frame, plaintext, frame); !s) return s;
  return frame;
}

const std::string &sealer::sender_id() const { return s_->sender_id; }
const session_salt &sealer::salt() const { return s_->salt; }

uint64_t sealer::next_sequence() const {
  std::lock_guard lock(s_->mu);
  return s_->next_sequence;
}

}  // namespace ra::crypto
