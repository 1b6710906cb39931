#include "crypto/replay_window.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace ra::crypto {
namespace {

constexpr uint64_t W = replay_window::k_size;

// check + commit as the opener does.
bool accept(replay_window &w, uint64_t s) {
  if (w.check(s) != replay_verdict::fresh) return false;
  w.commit(s);
  return true;
}

TEST(replay_window, first_sequence_may_be_anything) {
  replay_window w;
  EXPECT_TRUE(accept(w, 5000));
  EXPECT_EQ(w.check(5000), replay_verdict::duplicate);
  EXPECT_EQ(w.check(5000 - W + 1), replay_verdict::fresh);
  EXPECT_EQ(w.check(5000 - W), replay_verdict::too_old);
}

TEST(replay_window, in_order_then_duplicates) {
  replay_window w;
  for (uint64_t s = 0; s < 3000; ++s) ASSERT_TRUE(accept(w, s));
  for (uint64_t s = 3000 - W; s < 3000; ++s) EXPECT_EQ(w.check(s), replay_verdict::duplicate) << s;
  EXPECT_EQ(w.check(3000 - W - 1), replay_verdict::too_old);
  EXPECT_EQ(w.check(0), replay_verdict::too_old);
}

TEST(replay_window, reordering_inside_the_window_is_accepted_exactly_once) {
  replay_window w;
  ASSERT_TRUE(accept(w, 2000));
  // Everything in (2000 - W, 2000) arrives late, in reverse order, each twice.
  for (uint64_t s = 1999; s > 2000 - W; --s) {
    EXPECT_TRUE(accept(w, s)) << s;
    EXPECT_FALSE(accept(w, s)) << s;
  }
  EXPECT_EQ(w.check(2000 - W), replay_verdict::too_old);
}

TEST(replay_window, sliding_forgets_old_bits_correctly) {
  replay_window w;
  ASSERT_TRUE(accept(w, 10));
  // Jump by exactly the window size minus one, and by more than the window size.
  ASSERT_TRUE(accept(w, 10 + W - 1));
  EXPECT_EQ(w.check(10), replay_verdict::duplicate);
  EXPECT_EQ(w.check(11), replay_verdict::fresh);
  ASSERT_TRUE(accept(w, 10 + 5 * W));
  EXPECT_EQ(w.check(10 + W - 1), replay_verdict::too_old);
  // Slots reused by the slide must read as fresh, not as the old sequences that shared them.
  for (uint64_t s = 10 + 4 * W + 1; s < 10 + 5 * W; ++s) ASSERT_EQ(w.check(s), replay_verdict::fresh) << s;
}

TEST(replay_window, commit_of_too_old_sequence_changes_nothing) {
  replay_window w;
  ASSERT_TRUE(accept(w, 5000));
  w.commit(5000 - W);  // aliases slot of 5000: must not mark anything
  EXPECT_EQ(w.check(5000 - W + 1), replay_verdict::fresh);
  EXPECT_EQ(w.check(4999), replay_verdict::fresh);
}

TEST(replay_window, handles_the_top_of_the_counter) {
  replay_window w;
  ASSERT_TRUE(accept(w, UINT64_MAX - 1));
  EXPECT_EQ(w.check(UINT64_MAX - 1), replay_verdict::duplicate);
  EXPECT_TRUE(accept(w, UINT64_MAX));
  EXPECT_TRUE(accept(w, UINT64_MAX - 2));
  EXPECT_EQ(w.check(UINT64_MAX - W), replay_verdict::too_old);
}

// Randomised comparison with an exact model (a set of everything seen and the maximum).
TEST(replay_window, matches_exact_model_under_random_traffic) {
  std::mt19937_64 rng(12345);
  replay_window w;
  std::set<uint64_t> seen;
  uint64_t top = 0;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t base = top + 50;
    const uint64_t s = base > 1500 ? base - rng() % 1500 : rng() % (base + 1);
    replay_verdict expect;
    if (!seen.empty() && s + W <= top) {
      expect = replay_verdict::too_old;
    } else {
      expect = seen.count(s) ? replay_verdict::duplicate : replay_verdict::fresh;
    }
    ASSERT_EQ(w.check(s), expect) << "i=" << i << " s=" << s << " top=" << top;
    if (expect == replay_verdict::fresh) {
      w.commit(s);
      seen.insert(s);
      top = std::max(top, s);
    }
  }
}

session_salt salt_of(uint8_t n) {
  session_salt s{};
  s[0] = n;
  return s;
}

TEST(replay_table, sessions_are_independent) {
  replay_table t;
  t.commit("a", salt_of(1), 5);
  EXPECT_EQ(t.check("a", salt_of(1), 5), replay_verdict::duplicate);
  EXPECT_EQ(t.check("a", salt_of(2), 5), replay_verdict::fresh);
  EXPECT_EQ(t.check("b", salt_of(1), 5), replay_verdict::fresh);
  EXPECT_EQ(t.size(), 1u);
}

TEST(replay_table, check_does_not_create_entries) {
  replay_table t;
  for (uint8_t i = 0; i < 100; ++i) EXPECT_EQ(t.check("x", salt_of(i), i), replay_verdict::fresh);
  EXPECT_EQ(t.size(), 0u);
}

TEST(replay_table, lru_bound_holds_and_evicts_least_recently_used) {
  replay_table t(3);
  t.commit("a", salt_of(1), 0);
  t.commit("b", salt_of(1), 0);
  t.commit("c", salt_of(1), 0);
  t.commit("a", salt_of(1), 1);  // a becomes most recent; b is now the oldest
  t.commit("d", salt_of(1), 0);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_TRUE(t.tracks("a", salt_of(1)));
  EXPECT_FALSE(t.tracks("b", salt_of(1)));
  EXPECT_TRUE(t.tracks("c", salt_of(1)));
  EXPECT_TRUE(t.tracks("d", salt_of(1)));
  EXPECT_EQ(t.check("a", salt_of(1), 1), replay_verdict::duplicate);
}

TEST(replay_table, many_sessions_stay_bounded) {
  replay_table t(replay_table::k_default_max_sessions);
  for (uint32_t i = 0; i < 3 * replay_table::k_default_max_sessions; ++i) {
    session_salt s{};
    for (int b = 0; b < 4; ++b) s[b] = static_cast<uint8_t>(i >> (8 * b));
    t.commit("sender", s, i);
    ASSERT_LE(t.size(), replay_table::k_default_max_sessions);
  }
  EXPECT_EQ(t.size(), replay_table::k_default_max_sessions);
}

}  // namespace
}  // namespace ra::crypto
