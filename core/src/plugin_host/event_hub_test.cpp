#include "plugin_host/event_hub.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace ra::plugin_host {
namespace {

struct pool_hub {
  boost::asio::thread_pool pool{2};
  event_hub hub{[this](std::function<void()> fn) {
    boost::asio::post(pool, std::move(fn));
    return true;
  }};
  ~pool_hub() { pool.join(); }
};

TEST(EventHub, DeliversByTopicPrefixToEachSubscriber) {
  pool_hub h;
  std::mutex mu;
  std::vector<std::string> got;
  std::promise<void> three;
  std::atomic<int> n{0};
  auto record = [&](std::string who) {
    return [&, who](std::string_view from, std::string_view topic, std::string_view json) {
      {
        std::lock_guard lock(mu);
        got.push_back(who + " " + std::string(from) + " " + std::string(topic) + " " + std::string(json));
      }
      if (++n == 3) three.set_value();
    };
  };
  h.hub.subscribe("tasks-watcher", "task.", record("a"));
  h.hub.subscribe("all", "", record("b"));
  EXPECT_EQ(h.hub.deliver("{}", "job.fired", "{}"), 1u);  // only "all"
  EXPECT_EQ(h.hub.deliver("{}", "task.finished", R"({"id":1})"), 2u);
  three.get_future().wait();
  h.hub.subscribe("tasks-watcher", "", {});
  h.hub.subscribe("all", "", {});
  h.pool.join();
  std::lock_guard lock(mu);
  ASSERT_EQ(got.size(), 3u);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got[0], R"(a {} task.finished {"id":1})");
  EXPECT_EQ(got[1], "b {} job.fired {}");
  EXPECT_EQ(got[2], R"(b {} task.finished {"id":1})");
}

TEST(EventHub, RemovalWaitsForARunningCallbackAndStopsLaterOnes) {
  pool_hub h;
  std::promise<void> entered, release;
  auto release_f = release.get_future().share();
  std::atomic<bool> running{false};
  std::atomic<int> calls{0};
  h.hub.subscribe("p", "", [&](std::string_view, std::string_view, std::string_view) {
    running = true;
    if (++calls == 1) {
      entered.set_value();
      release_f.wait();
    }
    running = false;
  });
  ASSERT_EQ(h.hub.deliver("{}", "x", "{}"), 1u);
  entered.get_future().wait();
  std::atomic<bool> running_after_remove{true};
  std::thread remover([&] {
    h.hub.subscribe("p", "", {});
    running_after_remove = running.load();
  });
  release.set_value();
  remover.join();
  EXPECT_FALSE(running_after_remove.load());  // removal returned only after the callback had left
  EXPECT_EQ(h.hub.deliver("{}", "x", "{}"), 0u);
  h.pool.join();
  EXPECT_EQ(calls.load(), 1);
}

TEST(EventHub, ReplacingASubscriptionKeepsOnlyTheNewOne) {
  pool_hub h;
  std::atomic<int> old_calls{0}, new_calls{0};
  std::promise<void> delivered;
  h.hub.subscribe("p", "", [&](auto, auto, auto) { ++old_calls; });
  h.hub.subscribe("p", "task.", [&](auto, auto, auto) {
    ++new_calls;
    delivered.set_value();
  });
  EXPECT_EQ(h.hub.deliver("{}", "other", "{}"), 0u);
  EXPECT_EQ(h.hub.deliver("{}", "task.x", "{}"), 1u);
  delivered.get_future().wait();
  h.hub.subscribe("p", "", {});
  h.pool.join();
  EXPECT_EQ(old_calls.load(), 0);
  EXPECT_EQ(new_calls.load(), 1);
}

TEST(EventHub, QueuedDeliveriesToARemovedSubscriberAreDropped) {
  // A pool that has not run anything yet: the delivery is queued when the subscriber goes away.
  std::vector<std::function<void()>> queued;
  event_hub hub([&](std::function<void()> fn) {
    queued.push_back(std::move(fn));
    return true;
  });
  std::atomic<int> calls{0};
  hub.subscribe("p", "", [&](auto, auto, auto) { ++calls; });
  EXPECT_EQ(hub.deliver("{}", "x", "{}"), 1u);
  hub.subscribe("p", "", {});
  for (auto &fn : queued) fn();
  EXPECT_EQ(calls.load(), 0);
}

}  // namespace
}  // namespace ra::plugin_host
