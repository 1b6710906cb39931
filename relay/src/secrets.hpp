// relay/secrets.hpp — the two places the relay handles secret-ish bytes: comparing the access
// token and resume secrets without leaking where they differ, and minting random peer ids.
// Thread safety: pure functions; random_peer_id() uses OpenSSL's thread-safe RNG.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace ra::relay {

// Time depends on the lengths only, never on where the bytes first differ.
bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

// 128 random bits as 32 lower-case hex digits (PROTOCOL.md §3 step 4).
std::string random_peer_id();

}  // namespace ra::relay
