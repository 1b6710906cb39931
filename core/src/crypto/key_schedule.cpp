#include "crypto/key_schedule.hpp"

#include <string>
#include <vector>

#include "crypto/primitives.hpp"

namespace ra::crypto {

namespace {

byte_span bytes_of(std::string_view s) { return {reinterpret_cast<const uint8_t *>(s.data()), s.size()}; }

}  // namespace

result<std::array<uint8_t, k_room_salt_size>> room_salt(std::string_view room_name) {
  // The label is a fixed prefix, so label || name is unambiguous without a length field.
  std::vector<uint8_t> input;
  input.reserve(k_room_salt_label.size() + room_name.size());
  input.insert(input.end(), k_room_salt_label.begin(), k_room_salt_label.end());
  input.insert(input.end(), room_name.begin(), room_name.end());
  auto digest = sha256(input);
  if (!digest) return digest.error();
  std::array<uint8_t, k_room_salt_size> salt{};
  for (size_t i = 0; i < salt.size(); ++i) salt[i] = (*digest)[i];
  return salt;
}

result<room_keys> derive_room_keys(std::string_view room_token, std::string_view room_name,
                                   const argon2_params &params) {
  // An empty token would make every room's key public; the reference allowed it (§4.1), we do not.
  if (room_token.empty()) return invalid_argument("a room token is required");
  if (room_token.size() > k_max_room_token) return invalid_argument("the room token is too long");
  if (room_name.empty()) return invalid_argument("a room name is required");
  if (room_name.size() > k_max_room_name) return invalid_argument("the room name is too long");

  auto salt = room_salt(room_name);
  if (!salt) return salt.error();

  secret_key room_secret;  // wiped when this function returns
  if (status s = argon2id(bytes_of(room_token), *salt, {params.memory_kib, params.iterations, params.parallelism},
                          room_secret.mutable_bytes());
      !s) {
    return s;
  }

  // room_secret is already uniformly random, so HKDF's extract needs no salt (RFC 5869 §3.1).
  room_keys keys;
  if (status s = hkdf_sha256(room_secret.bytes(), {}, bytes_of(k_routing_id_label), keys.routing_id); !s) {
    return s;
  }
  if (status s = hkdf_sha256(room_secret.bytes(), {}, bytes_of(k_room_key_label), keys.e2e_room_key.mutable_bytes());
      !s) {
    return s;
  }
  return keys;
}

}  // namespace ra::crypto
