// relay/rate_limiter.hpp — the per-connection frame rate limit of PROTOCOL.md §4: a token bucket
// of `burst` frames refilled at `rate` per second. A frame over the limit is dropped (the caller
// sends error(rate_limited)); a connection that keeps sending while being limited is abusive and
// gets closed with 1008. "Keeps sending" is a second bucket of drops, sized max(burst, 16) and
// refilled at `rate`, so dropping stays tolerable up to about twice the rate.
// Thread safety: none; one per connection, used from its handlers.
#pragma once

#include <chrono>
#include <cstdint>

namespace ra::relay {

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  rate_limiter() = default;  // no limit
  rate_limiter(uint32_t rate_per_s, uint32_t burst, clock::time_point now);

  // Takes a token for one frame: false = drop it.
  bool allow(clock::time_point now);
  // True once the drops outran their own budget: close the connection.
  bool abusive() const { return abusive_; }

 private:
  void refill(clock::time_point now);

  double rate_ = 0;  // 0 = unlimited
  double burst_ = 0;
  double tokens_ = 0;
  double drop_budget_ = 0;
  double drop_tokens_ = 0;
  clock::time_point last_{};
  bool abusive_ = false;
};

}  // namespace ra::relay
