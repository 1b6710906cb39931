#include "crypto/envelope.hpp"

#include <string>

namespace ra::crypto {

namespace {

// A bounds-checked reader over the frame; every take returns false instead of reading past the end.
class reader {
 public:
  explicit reader(std::span<const uint8_t> data) : data_(data) {}
  size_t offset() const { return off_; }
  size_t left() const { return data_.size() - off_; }
  bool u8(uint8_t &v) {
    if (left() < 1) return false;
    v = data_[off_++];
    return true;
  }
  bool take(size_t n, std::span<const uint8_t> &v) {
    if (left() < n) return false;
    v = data_.subspan(off_, n);
    off_ += n;
    return true;
  }

 private:
  std::span<const uint8_t> data_;
  size_t off_ = 0;
};

std::string_view as_text(std::span<const uint8_t> b) { return {reinterpret_cast<const char *>(b.data()), b.size()}; }

status truncated(const char *field) { return invalid_argument(std::string("envelope truncated in ") + field); }

}  // namespace

bool is_known_kind(uint8_t kind) { return kind >= 1 && kind <= 6; }

const char *kind_name(frame_kind kind) {
  switch (kind) {
    case frame_kind::request:
      return "request";
    case frame_kind::reply:
      return "reply";
    case frame_kind::partial:
      return "partial";
    case frame_kind::info:
      return "info";
    case frame_kind::event:
      return "event";
    case frame_kind::control:
      return "control";
  }
  return "unknown";
}

bool valid_peer_id(std::string_view id, bool allow_empty) {
  if (id.empty()) return allow_empty;
  if (id.size() > k_max_peer_id) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

status validate_frame_limit(size_t max_frame) {
  if (max_frame < k_min_frame + 1024 || max_frame > k_max_frame_limit) {
    return invalid_argument("frame limit must be " + std::to_string(k_min_frame + 1024) + ".." +
                            std::to_string(k_max_frame_limit) + " bytes");
  }
  return status::ok();
}

size_t header_size(const envelope_header &h) {
  return 4 + h.sender.size() + 1 + h.recipient.size() + k_session_salt_size + 8 + 1 + h.signature.size();
}

status encode_header(const envelope_header &h, std::vector<uint8_t> &out) {
  if (!is_known_kind(static_cast<uint8_t>(h.kind))) return invalid_argument("unknown frame kind");
  if (!valid_peer_id(h.sender, false)) return invalid_argument("sender id must be 1..64 visible ASCII bytes");
  if (!valid_peer_id(h.recipient, true)) return invalid_argument("recipient id must be 0..64 visible ASCII bytes");
  if (h.signature.size() > k_max_signature) return invalid_argument("signature field longer than 128 bytes");

  out.reserve(out.size() + header_size(h));
  out.push_back(k_envelope_version);
  out.push_back(static_cast<uint8_t>(h.kind));
  out.push_back(h.flags);
  out.push_back(static_cast<uint8_t>(h.sender.size()));
  out.insert(out.end(), h.sender.begin(), h.sender.end());
  out.push_back(static_cast<uint8_t>(h.recipient.size()));
  out.insert(out.end(), h.recipient.begin(), h.recipient.end());
  out.insert(out.end(), h.salt.begin(), h.salt.end());
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(h.sequence >> (56 - 8 * i)));
  out.push_back(static_cast<uint8_t>(h.signature.size()));
  out.insert(out.end(), h.signature.begin(), h.signature.end());
  return status::ok();
}

result<envelope_view> parse_envelope(std::span<const uint8_t> frame, size_t max_frame) {
  if (frame.size() > max_frame) {
    return status(RA_RESOURCE_EXHAUSTED, "envelope of " + std::to_string(frame.size()) + " bytes exceeds the " +
                                             std::to_string(max_frame) + "-byte limit");
  }
  reader r(frame);
  envelope_view v;
  uint8_t version = 0, kind = 0, sender_len = 0, recipient_len = 0, sig_len = 0;
  std::span<const uint8_t> field;

  if (!r.u8(version)) return truncated("version");
  if (version != k_envelope_version) {
    return status(RA_UNIMPLEMENTED, "unsupported envelope version " + std::to_string(version) +
                                        " (this build speaks version " + std::to_string(k_envelope_version) + ")");
  }
  if (!r.u8(kind)) return truncated("kind");
  if (!is_known_kind(kind)) return invalid_argument("unknown frame kind " + std::to_string(kind));
  v.header.kind = static_cast<frame_kind>(kind);
  if (!r.u8(v.header.flags)) return truncated("flags");

  if (!r.u8(sender_len)) return truncated("sender length");
  if (sender_len == 0 || sender_len > k_max_peer_id) return invalid_argument("sender id length out of range");
  if (!r.take(sender_len, field)) return truncated("sender id");
  v.header.sender = as_text(field);
  if (!valid_peer_id(v.header.sender, false)) return invalid_argument("sender id is not visible ASCII");

  if (!r.u8(recipient_len)) return truncated("recipient length");
  if (recipient_len > k_max_peer_id) return invalid_argument("recipient id length out of range");
  if (!r.take(recipient_len, field)) return truncated("recipient id");
  v.header.recipient = as_text(field);
  if (!valid_peer_id(v.header.recipient, true)) return invalid_argument("recipient id is not visible ASCII");

  if (!r.take(k_session_salt_size, field)) return truncated("session salt");
  for (size_t i = 0; i < k_session_salt_size; ++i) v.header.salt[i] = field[i];
  if (!r.take(8, field)) return truncated("sequence");
  for (uint8_t b : field) v.header.sequence = v.header.sequence << 8 | b;

  if (!r.u8(sig_len)) return truncated("signature length");
  if (sig_len > k_max_signature) return invalid_argument("signature field longer than 128 bytes");
  if (!r.take(sig_len, v.header.signature)) return truncated("signature");

  v.header_bytes = frame.first(r.offset());
  if (r.left() < k_gcm_tag_size) return truncated("authentication tag");
  v.sealed = frame.subspan(r.offset());
  return v;
}

}  // namespace ra::crypto
