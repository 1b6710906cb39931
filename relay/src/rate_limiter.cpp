#include "rate_limiter.hpp"

#include <algorithm>

namespace ra::relay {

rate_limiter::rate_limiter(uint32_t rate_per_s, uint32_t burst, clock::time_point now)
    : rate_(rate_per_s),
      burst_(burst),
      tokens_(burst),
      drop_budget_(std::max<double>(burst, 16)),
      drop_tokens_(drop_budget_),
      last_(now) {}

void rate_limiter::refill(clock::time_point now) {
  if (now <= last_) return;
  const double secs = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + secs * rate_);
  drop_tokens_ = std::min(drop_budget_, drop_tokens_ + secs * rate_);
}

bool rate_limiter::allow(clock::time_point now) {
  if (rate_ == 0) return true;
  refill(now);
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return true;
  }
  drop_tokens_ -= 1;
  if (drop_tokens_ < 0) abusive_ = true;
  return false;
}

}  // namespace ra::relay
