// link/backoff.cpp — backoff_delay(): the pause before redial number `attempt`. Doubling spreads
// retries out while a relay is down; the jitter (up to +50 %) keeps the peers of one room, which all
// lost the relay at the same moment, from redialling in lock-step; the cap bounds how long a peer
// stays away after the relay is back.
#include <algorithm>

#include "link/link.hpp"

namespace ra::link {

std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds min, std::chrono::milliseconds max,
                                        uint64_t random_bits) {
  const uint64_t lo = static_cast<uint64_t>(std::max<int64_t>(min.count(), 0));
  const uint64_t hi = std::max(lo, static_cast<uint64_t>(std::max<int64_t>(max.count(), 0)));

  // base = lo · 2^attempt, computed without overflowing: stop doubling once past the cap.
  uint64_t base = lo;
  for (unsigned i = 0; i < attempt && base != 0 && base < hi; ++i) base *= 2;
  base = std::min(base, hi);

  // jitter in [0, base/2): the random bits as a fraction of 2^64, times base/2 (128-bit product).
  const uint64_t half = base / 2;
  const auto jitter = static_cast<uint64_t>((static_cast<unsigned __int128>(half) * random_bits) >> 64);
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(base + jitter, hi)));
}

}  // namespace ra::link
