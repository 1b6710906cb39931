// Tests of backoff_delay (link.hpp): the first delay's range, doubling, the cap, and that the jitter
// spans [base, 1.5·base) as the random bits go from 0 to all ones.
#include <gtest/gtest.h>

#include <limits>

#include "link/link.hpp"

namespace ra::link {
namespace {

using std::chrono::milliseconds;
constexpr uint64_t k_all_ones = std::numeric_limits<uint64_t>::max();

TEST(link_backoff, first_attempt_is_min_to_one_and_a_half_min) {
  EXPECT_EQ(backoff_delay(0, milliseconds(1000), milliseconds(60000), 0), milliseconds(1000));
  EXPECT_EQ(backoff_delay(0, milliseconds(1000), milliseconds(60000), k_all_ones), milliseconds(1499));
  EXPECT_EQ(backoff_delay(0, milliseconds(1000), milliseconds(60000), uint64_t{1} << 63), milliseconds(1250));
}

TEST(link_backoff, doubles_per_attempt_then_stays_at_the_cap) {
  const milliseconds min(1000), max(60000);
  struct row {
    unsigned attempt;
    int64_t lo, hi;  // the delay's range over all random bits: [lo, hi]
  };
  const row rows[] = {
      {0, 1000, 1499},   {1, 2000, 2999},   {2, 4000, 5999},   {3, 8000, 11999},   {4, 16000, 23999},
      {5, 32000, 47999}, {6, 60000, 60000}, {7, 60000, 60000}, {40, 60000, 60000}, {~0u, 60000, 60000},
  };
  for (const auto &r : rows) {
    SCOPED_TRACE(r.attempt);
    EXPECT_EQ(backoff_delay(r.attempt, min, max, 0).count(), r.lo);
    EXPECT_EQ(backoff_delay(r.attempt, min, max, k_all_ones).count(), r.hi);
  }
}

TEST(link_backoff, jitter_never_exceeds_the_cap) {
  // attempt 5 → base 32 s, jitter up to +16 s, but max is 40 s.
  for (uint64_t bits : {uint64_t{0}, uint64_t{1} << 62, uint64_t{3} << 62, k_all_ones}) {
    const auto d = backoff_delay(5, milliseconds(1000), milliseconds(40000), bits);
    EXPECT_GE(d, milliseconds(32000));
    EXPECT_LE(d, milliseconds(40000));
  }
  EXPECT_EQ(backoff_delay(5, milliseconds(1000), milliseconds(40000), k_all_ones), milliseconds(40000));
}

TEST(link_backoff, jitter_is_spread_over_its_range) {
  // Evenly spaced random bits give delays spread evenly over [min, 1.5·min).
  const milliseconds min(20), max(200);
  int64_t lowest = 1 << 30, highest = 0;
  for (uint64_t i = 0; i < 16; ++i) {
    const auto d = backoff_delay(0, min, max, i * (k_all_ones / 16)).count();
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
    EXPECT_GE(d, 20);
    EXPECT_LT(d, 30);
  }
  EXPECT_EQ(lowest, 20);
  EXPECT_EQ(highest, 29);
}

TEST(link_backoff, degenerate_bounds_do_not_misbehave) {
  EXPECT_EQ(backoff_delay(3, milliseconds(500), milliseconds(500), k_all_ones), milliseconds(500));
  EXPECT_EQ(backoff_delay(3, milliseconds(500), milliseconds(100), k_all_ones), milliseconds(500));  // max < min
  EXPECT_EQ(backoff_delay(~0u, milliseconds(0), milliseconds(100), k_all_ones), milliseconds(0));
  // Huge bounds: doubling stops at the cap instead of overflowing.
  EXPECT_EQ(backoff_delay(62, milliseconds(1), milliseconds::max(), 0), milliseconds(int64_t{1} << 62));
  EXPECT_EQ(backoff_delay(63, milliseconds(1), milliseconds::max(), k_all_ones), milliseconds::max());
}

}  // namespace
}  // namespace ra::link
