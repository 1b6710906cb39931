// crypto/room_crypto.hpp — a room's derived keys, held for the life of a connection. Created once
// from (token, room name); hands the relay routing id to the link layer and the end-to-end key to
// sealers and openers, and to nobody else (no accessor: the key never leaves crypto/).
// Thread safety: immutable after derive(); all const members may be used from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "crypto/key_schedule.hpp"
#include "util/status.hpp"

namespace ra::crypto {

class room_crypto {
 public:
  // Runs Argon2id (see key_schedule.hpp for the cost: ~0.4 s with the default parameters).
  static result<room_crypto> derive(std::string_view room_token, std::string_view room_name,
                                    const argon2_params &params = {});

  // What the relay sees as the room id: 64 lower-case hex digits, safe in a URL path.
  std::string relay_routing_id() const;
  const std::array<uint8_t, k_routing_id_size> &relay_routing_id_bytes() const { return keys_.routing_id; }

 private:
  friend class sealer;
  friend class opener;
  explicit room_crypto(room_keys keys) : keys_(std::move(keys)) {}
  const secret_key &e2e_room_key() const { return keys_.e2e_room_key; }

  room_keys keys_;
};

}  // namespace ra::crypto
