// crypto/test_support.hpp — helpers shared by the crypto unit tests (hex literals, text as bytes,
// a cheap room). Test-only; not part of the library.
// Thread safety: pure helpers.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/hex.hpp"
#include "crypto/room_crypto.hpp"

namespace ra::crypto::testing {

inline std::vector<uint8_t> hex(std::string_view text) {
  auto v = from_hex(text);
  EXPECT_TRUE(v.has_value()) << "bad hex literal in test: " << text;
  return v.value_or(std::vector<uint8_t>{});
}

inline std::vector<uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }

inline std::string text(std::span<const uint8_t> b) { return {b.begin(), b.end()}; }

// A room derived with the cheapest Argon2 cost, so tests run in microseconds.
inline room_crypto cheap_room(std::string_view token = "correct horse battery staple",
                              std::string_view room = "lab-room") {
  auto r = room_crypto::derive(token, room, argon2_params::cheap_for_tests());
  EXPECT_TRUE(r.is_ok()) << (r.is_ok() ? "" : r.error().to_string());
  return std::move(r).value();
}

}  // namespace ra::crypto::testing
