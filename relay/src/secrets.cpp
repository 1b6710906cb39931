#include "secrets.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdlib>

#include "util/hex.hpp"

namespace ra::relay {

bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  // Walk the longer length so a short guess does not return early; a length mismatch still fails.
  const size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() != b.size() ? 1u : 0u;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t x = i < a.size() ? a[i] : 0;
    const uint8_t y = i < b.size() ? b[i] : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

std::string random_peer_id() {
  std::array<uint8_t, 16> bytes{};
  // RAND_bytes fails only if the OS RNG is unusable; handing out predictable ids would be worse
  // than stopping.
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) std::abort();
  return to_hex(bytes);
}

}  // namespace ra::relay
