#include "crypto/room_crypto.hpp"

#include "util/hex.hpp"

namespace ra::crypto {

result<room_crypto> room_crypto::derive(std::string_view room_token, std::string_view room_name,
                                        const argon2_params &params) {
  auto keys = derive_room_keys(room_token, room_name, params);
  if (!keys) return keys.error();
  return room_crypto(std::move(*keys));
}

std::string room_crypto::relay_routing_id() const { return to_hex(keys_.routing_id); }

}  // namespace ra::crypto
