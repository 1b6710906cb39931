// Unit tests of the outbound queue budgets and the token-bucket rate limiter.
#include <gtest/gtest.h>

#include "outbound_queue.hpp"
#include "rate_limiter.hpp"
#include "secrets.hpp"

namespace ra::relay {
namespace {

shared_frame frame_of(size_t n) { return std::make_shared<std::vector<uint8_t>>(n, 0); }

TEST(outbound_queue, droppable_frames_respect_the_soft_budget) {
  outbound_queue q({3, 1000});
  EXPECT_EQ(q.push(frame_of(10), true), outbound_queue::verdict::queued);
  EXPECT_EQ(q.push(frame_of(10), true), outbound_queue::verdict::queued);
  EXPECT_EQ(q.push(frame_of(10), true), outbound_queue::verdict::queued);
  EXPECT_EQ(q.push(frame_of(10), true), outbound_queue::verdict::dropped);
  EXPECT_EQ(q.push(frame_of(10), false), outbound_queue::verdict::queued);  // control frames still go
  q.pop();
  q.pop();
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.bytes(), 20u);
  EXPECT_EQ(q.push(frame_of(981), true), outbound_queue::verdict::dropped);  // over 1000 bytes
  EXPECT_EQ(q.push(frame_of(980), true), outbound_queue::verdict::queued);
}

TEST(outbound_queue, an_empty_queue_takes_any_frame_and_control_frames_overflow_at_the_hard_budget) {
  outbound_queue q({2, 100}, 1);
  EXPECT_EQ(q.push(frame_of(5000), true), outbound_queue::verdict::queued);
  q.pop();
  EXPECT_TRUE(q.empty());
  size_t queued = 0;
  while (q.push(frame_of(1), false) == outbound_queue::verdict::queued) ++queued;
  EXPECT_EQ(queued, 2u * 4 + 1);
}

TEST(rate_limiter, bucket_refills_at_the_rate) {
  auto t = std::chrono::steady_clock::now();
  rate_limiter r(100, 5, t);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(r.allow(t));
  EXPECT_FALSE(r.allow(t));
  EXPECT_FALSE(r.abusive());
  t += std::chrono::milliseconds(20);  // two tokens
  EXPECT_TRUE(r.allow(t));
  EXPECT_TRUE(r.allow(t));
  EXPECT_FALSE(r.allow(t));
  t += std::chrono::seconds(10);  // never more than the burst
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(r.allow(t));
  EXPECT_FALSE(r.allow(t));
}

TEST(rate_limiter, sustained_drops_are_abuse) {
  auto t = std::chrono::steady_clock::now();
  rate_limiter r(1, 1, t);
  EXPECT_TRUE(r.allow(t));
  int drops = 0;
  while (!r.abusive() && drops < 100) {
    EXPECT_FALSE(r.allow(t));
    ++drops;
  }
  EXPECT_EQ(drops, 17);  // the drop budget is max(burst, 16)
  rate_limiter unlimited;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(unlimited.allow(t));
}

TEST(secrets, constant_time_equal_and_random_ids) {
  auto b = [](std::string_view s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(s.data()), s.size());
  };
  EXPECT_TRUE(constant_time_equal(b("abc"), b("abc")));
  EXPECT_TRUE(constant_time_equal(b(""), b("")));
  EXPECT_FALSE(constant_time_equal(b("abc"), b("abd")));
  EXPECT_FALSE(constant_time_equal(b("abc"), b("abcd")));
  EXPECT_FALSE(constant_time_equal(b(""), b("a")));
  auto id = random_peer_id();
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(id, random_peer_id());
}

}  // namespace
}  // namespace ra::relay
