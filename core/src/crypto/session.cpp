#include "crypto/session.hpp"

#include <vector>

namespace ra::crypto {

result<secret_key> derive_session_key(const secret_key &room_key, std::string_view sender_id,
                                      const session_salt &salt) {
  if (sender_id.empty() || sender_id.size() > 255) return invalid_argument("sender id must be 1..255 bytes");
  // The length prefix keeps (label, id) pairs distinct even if another label is ever added.
  std::vector<uint8_t> info;
  info.reserve(k_sender_session_label.size() + 1 + sender_id.size());
  info.insert(info.end(), k_sender_session_label.begin(), k_sender_session_label.end());
  info.push_back(static_cast<uint8_t>(sender_id.size()));
  info.insert(info.end(), sender_id.begin(), sender_id.end());

  secret_key key;
  if (status s = hkdf_sha256(room_key.bytes(), salt, info, key.mutable_bytes()); !s) return s;
  return key;
}

std::array<uint8_t, k_gcm_nonce_size> session_nonce(uint64_t sequence) {
  std::array<uint8_t, k_gcm_nonce_size> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<uint8_t>(sequence >> (56 - 8 * i));
  return nonce;
}

}  // namespace ra::crypto
