#include "crypto/opener.hpp"

#include <mutex>

#include "crypto/primitives.hpp"
#include "crypto/session.hpp"

namespace ra::crypto {

struct opener::state {
  secret_key room_key;
  std::string self_id;
  opener_options options;
  mutable std::mutex mu;
  replay_table replay;  // guarded by mu

  state(const secret_key &key, std::string self, opener_options opts)
      : room_key(key), self_id(std::move(self)), options(opts), replay(opts.max_sessions) {}
};

namespace {

status replay_status(replay_verdict v) {
  switch (v) {
    case replay_verdict::fresh:
      return status::ok();
    case replay_verdict::duplicate:
      return status(RA_ALREADY_EXISTS, "duplicate or replayed frame");
    case replay_verdict::too_old:
      return status(RA_OUT_OF_RANGE, "frame is older than the replay window");
  }
  return internal_error("unknown replay verdict");
}

}  // namespace

opener::opener(std::unique_ptr<state> s) : s_(std::move(s)) {}
opener::opener(opener &&) noexcept = default;
opener &opener::operator=(opener &&) noexcept = default;
opener::~opener() = default;

result<opener> opener::create(const room_crypto &room, std::string self_id, opener_options options) {
  if (!valid_peer_id(self_id, false)) return invalid_argument("own id must be 1..64 visible ASCII bytes");
  if (status s = validate_frame_limit(options.max_frame); !s) return s;
  if (options.max_sessions < 1) return invalid_argument("max_sessions must be at least 1");
  return opener(std::make_unique<state>(room.e2e_room_key(), std::move(self_id), options));
}

result<opened> opener::open(std::span<const uint8_t> frame) {
  auto parsed = parse_envelope(frame, s_->options.max_frame);
  if (!parsed) return parsed.error();
  const envelope_header &h = parsed->header;

  // Checks that need no key come first: they are cheap and keep junk away from the cipher.
  if (!h.signature.empty()) {
    return status(RA_UNIMPLEMENTED, "signed envelopes are not supported by this version yet");
  }
  if (!h.recipient.empty() && h.recipient != s_->self_id) {
    return failed_precondition("frame is addressed to another peer");
  }
  if (h.sender == s_->self_id && !s_->options.accept_own_sender_id) {
    return failed_precondition("frame claims our own sender id (reflected or impersonated)");
  }
  {
    std::lock_guard lock(s_->mu);
    if (status s = replay_status(s_->replay.check(h.sender, h.salt, h.sequence)); !s) return s;
  }

  auto key = derive_session_key(s_->room_key, h.sender, h.salt);
  if (!key) return key.error();
  auto cipher = aes256_gcm::create(key->bytes());
  if (!cipher) return cipher.error();
  auto plaintext = cipher->open(session_nonce(h.sequence), parsed->header_bytes, parsed->sealed);
  if (!plaintext) return plaintext.error();

  {
    // Re-check: another thread may have accepted the same frame while we decrypted.
    std::lock_guard lock(s_->mu);
    if (status s = replay_status(s_->replay.check(h.sender, h.salt, h.sequence)); !s) return s;
    s_->replay.commit(h.sender, h.salt, h.sequence);
  }

  opened out;
  out.kind = h.kind;
  out.flags = h.flags;
  out.sender.assign(h.sender);
  out.recipient.assign(h.recipient);
  out.salt = h.salt;
  out.sequence = h.sequence;
  out.plaintext = std::move(*plaintext);
  return out;
}

const std::string &opener::self_id() const { return s_->self_id; }

size_t opener::tracked_sessions() const {
  std::lock_guard lock(s_->mu);
  return s_->replay.size();
}

}  // namespace ra::crypto
