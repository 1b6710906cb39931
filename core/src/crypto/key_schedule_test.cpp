// The key schedule against an independent implementation (testdata/make_vectors.py: argon2-cffi,
// Python hmac, OpenSSL), plus the properties the design relies on.
#include "crypto/key_schedule.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "crypto/room_crypto.hpp"
#include "crypto/test_support.hpp"

namespace ra::crypto {
namespace {

constexpr std::string_view k_token = "correct horse battery staple";
constexpr std::string_view k_room = "lab-room";

TEST(key_schedule, room_salt_matches_independent_model) {
  auto salt = room_salt(k_room);
  ASSERT_TRUE(salt.is_ok());
  EXPECT_EQ(to_hex(*salt), "1c0a533832033fb070c01298cc1c25e7");
}

TEST(key_schedule, cheap_params_match_independent_model) {
  auto keys = derive_room_keys(k_token, k_room, argon2_params::cheap_for_tests());
  ASSERT_TRUE(keys.is_ok()) << keys.error().to_string();
  EXPECT_EQ(to_hex(keys->routing_id), "43ff2407addd0cca2db59fb8a456d5265ba93312e740df6c81b128b0a99d292f");
  EXPECT_EQ(to_hex(keys->e2e_room_key.bytes()), "e2e24acb10e69c36ab7a8d96c848c2fcbbb8358233219df484637fbf2429b2c8");
}

// The production cost, once: pins the default parameters (changing them changes every room's keys)
// and records how long a derivation takes on this machine.
TEST(key_schedule, default_params_match_independent_model) {
  const auto t0 = std::chrono::steady_clock::now();
  auto room = room_crypto::derive(k_token, k_room);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  ASSERT_TRUE(room.is_ok()) << room.error().to_string();
  EXPECT_EQ(room->relay_routing_id(), "d58bb6d55e377ac4bf9ae6dab01a658958d6346dd8af86d1e11f3ae009fc1649");
  RecordProperty("argon2id_default_ms", static_cast<int>(ms.count()));
  std::printf("[ info     ] Argon2id m=64MiB t=3 p=1 took %lld ms\n", static_cast<long long>(ms.count()));
  auto keys = derive_room_keys(k_token, k_room);
  ASSERT_TRUE(keys.is_ok());
  EXPECT_EQ(to_hex(keys->e2e_room_key.bytes()), "1803a92125d870d365752f9567bb7b55f604c01655a55725b08ddf9737a2588d");
}

TEST(key_schedule, routing_id_and_room_key_differ_and_depend_on_token_and_room) {
  std::set<std::string> seen;
  for (auto [token, room] : {std::pair{"t1", "r1"}, {"t2", "r1"}, {"t1", "r2"}, {"t1", "r1x"}, {"t1x", "r1"}}) {
    auto keys = derive_room_keys(token, room, argon2_params::cheap_for_tests());
    ASSERT_TRUE(keys.is_ok());
    EXPECT_TRUE(seen.insert(to_hex(keys->routing_id)).second);
    EXPECT_TRUE(seen.insert(to_hex(keys->e2e_room_key.bytes())).second);
  }
}

TEST(key_schedule, relay_routing_id_is_url_safe_hex) {
  auto room = testing::cheap_room();
  const std::string id = room.relay_routing_id();
  ASSERT_EQ(id.size(), 64u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(id, to_hex(room.relay_routing_id_bytes()));
}

TEST(key_schedule, refuses_empty_or_oversized_inputs_and_bad_cost) {
  const auto cheap = argon2_params::cheap_for_tests();
  EXPECT_EQ(derive_room_keys("", k_room, cheap).error().code(), RA_INVALID_ARGUMENT);
  EXPECT_EQ(derive_room_keys(k_token, "", cheap).error().code(), RA_INVALID_ARGUMENT);
  EXPECT_EQ(derive_room_keys(std::string(k_max_room_token + 1, 't'), k_room, cheap).error().code(),
            RA_INVALID_ARGUMENT);
  EXPECT_EQ(derive_room_keys(k_token, std::string(k_max_room_name + 1, 'r'), cheap).error().code(),
            RA_INVALID_ARGUMENT);
  EXPECT_EQ(derive_room_keys(k_token, k_room, {4, 1, 1}).error().code(), RA_INVALID_ARGUMENT);
  EXPECT_EQ(room_crypto::derive("", k_room, cheap).error().code(), RA_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace ra::crypto
