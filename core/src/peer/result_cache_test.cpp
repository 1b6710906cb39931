#include "peer/result_cache.hpp"

#include <gtest/gtest.h>

namespace ra::peer {
namespace {

using v = result_cache::verdict;

TEST(ResultCache, RunsEachIdOnceAndAnswersRepeatsFromTheCache) {
  result_cache c;
  EXPECT_EQ(c.admit("a", 1000, 10), v::run);
  EXPECT_EQ(c.admit("a", 1000, 20), v::running);
  c.complete("a", "reply-a");
  std::string reply;
  EXPECT_EQ(c.admit("a", 1000, 30, &reply), v::done);
  EXPECT_EQ(reply, "reply-a");
  c.complete("a", "other");  // a second completion changes nothing
  EXPECT_EQ(c.admit("a", 1000, 40, &reply), v::done);
  EXPECT_EQ(reply, "reply-a");
}

TEST(ResultCache, ExpiredRequestsNeverRun) {
  result_cache c;
  EXPECT_EQ(c.admit("old", 100, 100), v::expired);
  EXPECT_EQ(c.admit("old", 100, 200), v::expired);
  EXPECT_EQ(c.size(), 0u);
}

TEST(ResultCache, PruneForgetsOnlyExpiredIds) {
  result_cache c;
  EXPECT_EQ(c.admit("a", 100, 0), v::run);
  EXPECT_EQ(c.admit("b", 500, 0), v::run);
  c.prune(200);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.admit("b", 500, 300), v::running);
}

TEST(ResultCache, FullTableRefusesInsteadOfForgetting) {
  result_cache::options o;
  o.max_entries = 2;
  result_cache c(o);
  EXPECT_EQ(c.admit("a", 1000, 0), v::run);
  EXPECT_EQ(c.admit("b", 1000, 0), v::run);
  EXPECT_EQ(c.admit("c", 1000, 0), v::busy);
  EXPECT_EQ(c.admit("a", 1000, 0), v::running);  // known ids still answer
  EXPECT_EQ(c.admit("c", 2000, 1500), v::run);   // once a and b expired there is room again
}

TEST(ResultCache, OverBudgetDropsOldestBodiesButKeepsIds) {
  result_cache::options o;
  o.max_bytes = 10;
  result_cache c(o);
  ASSERT_EQ(c.admit("a", 1000, 0), v::run);
  ASSERT_EQ(c.admit("b", 1000, 0), v::run);
  c.complete("a", "123456");
  c.complete("b", "abcdef");
  EXPECT_LE(c.cached_bytes(), 10u);
  std::string reply = "x";
  EXPECT_EQ(c.admit("a", 1000, 1, &reply), v::done);  // never re-run
  EXPECT_EQ(reply, "");
  EXPECT_EQ(c.admit("b", 1000, 1, &reply), v::done);
  EXPECT_EQ(reply, "abcdef");
}

TEST(ResultCache, ExpiryIsClampedToTheMaximumTtl) {
  result_cache::options o;
  o.max_ttl_ms = 100;
  result_cache c(o);
  EXPECT_EQ(c.admit("a", 1'000'000, 0), v::run);
  c.prune(101);
  EXPECT_EQ(c.size(), 0u);
}

}  // namespace
}  // namespace ra::peer
