// crypto/key_schedule.hpp — from (room token, room name) to the two room-wide values:
//
//   salt        = SHA-256("remote-agents/v2 room salt" || room name)[0..16)
//   room_secret = Argon2id(password = room token, salt, argon2_params)          (32 bytes)
//   routing_id  = HKDF-SHA256(room_secret, salt = "", info = "remote-agents/v2 relay-routing-id")
//   e2e_key     = HKDF-SHA256(room_secret, salt = "", info = "remote-agents/v2 e2e-room-key")
//
// The relay is given only routing_id (as the room id). It cannot get back to room_secret (HKDF is
// one-way) and guessing the token costs one Argon2id per guess. See README.md for the reasons.
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/secret_key.hpp"
#include "util/status.hpp"

namespace ra::crypto {

inline constexpr std::string_view k_room_salt_label = "remote-agents/v2 room salt";
inline constexpr std::string_view k_routing_id_label = "remote-agents/v2 relay-routing-id";
inline constexpr std::string_view k_room_key_label = "remote-agents/v2 e2e-room-key";

inline constexpr size_t k_room_salt_size = 16;
inline constexpr size_t k_routing_id_size = 32;
inline constexpr size_t k_max_room_token = 4096;
inline constexpr size_t k_max_room_name = 1024;

// Argon2id cost. Every peer of a room must use the same values (they are part of protocol v2:
// different values give different keys and the peers simply cannot read each other).
// Defaults: 64 MiB, 3 passes, 1 lane — RFC 9106 §4's second recommended option with p = 1,
// because Botan 2.19 computes lanes sequentially (p = 2 took as long as p = 1 here). Measured on
// the project's 2-core VM: ~0.41 s per derivation (t = 2 was ~0.35 s). The derivation runs once
// per process start, so this is paid once, and each token guess costs an attacker the same.
struct argon2_params {
  uint32_t memory_kib = 64 * 1024;
  uint32_t iterations = 3;
  uint32_t parallelism = 1;

  // The smallest legal cost (8 KiB, 1 pass): for unit tests only, never for a real room.
  static constexpr argon2_params cheap_for_tests() { return {8, 1, 1}; }
};

struct room_keys {
  std::array<uint8_t, k_routing_id_size> routing_id{};
  secret_key e2e_room_key;
};

result<std::array<uint8_t, k_room_salt_size>> room_salt(std::string_view room_name);

// The token must be 1..4096 bytes and the room name 1..1024 bytes.
result<room_keys> derive_room_keys(std::string_view room_token, std::string_view room_name,
                                   const argon2_params &params = {});

}  // namespace ra::crypto
