// Unit tests of the room logic without sockets: room_registry (joining, leaving, replacement,
// refusals, shutdown) and handle_frame (routing, errors, rate limit, bye, direction), with fake
// links that record what the relay queued for each connection.
#include "frame_handler.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "room_registry.hpp"
#include "wire/codec.hpp"

namespace ra::relay {
namespace {

using wire::frame_type;
using clock = std::chrono::steady_clock;

struct fake_link : peer_link {
  std::deque<std::vector<uint8_t>> frames;
  std::optional<std::pair<uint16_t, std::string>> closed;
  size_t room_for_droppable = 1000;

  bool push(shared_frame f, bool droppable) override {
    if (droppable) {
      if (room_for_droppable == 0) return false;
      --room_for_droppable;
    }
    frames.push_back(*f);
    return true;
  }
  void close(uint16_t code, std::string_view reason) override { closed.emplace(code, std::string(reason)); }

  // The oldest queued frame, decoded; its views point into `last_`.
  wire::frame pop() {
    EXPECT_FALSE(frames.empty());
    if (frames.empty()) return wire::ping{0xdead};
    last_ = std::move(frames.front());
    frames.pop_front();
    auto f = wire::decode(last_);
    EXPECT_TRUE(f) << f.error().message();
    return f ? *f : wire::frame(wire::ping{0xdead});
  }
  template <class T>
  T pop_as() {
    auto f = pop();
    EXPECT_TRUE(std::holds_alternative<T>(f)) << "got " << wire::type_name(wire::type_of(f));
    return std::holds_alternative<T>(f) ? std::get<T>(f) : T{};
  }

 private:
  std::vector<uint8_t> last_;
};

const wire::routing_id k_room = [] {
  wire::routing_id r;
  r.fill(1);
  return r;
}();

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

class rooms_test : public ::testing::Test {
 protected:
  struct peer {
    std::shared_ptr<fake_link> link;
    std::shared_ptr<member> m;
  };

  explicit rooms_test(config c = {}) : cfg_(std::move(c)), rooms_(cfg_) {}

  join_outcome try_join(std::string_view id, uint8_t secret = 1, std::shared_ptr<fake_link> link = nullptr,
                        const wire::routing_id &room = k_room) {
    if (!link) link = std::make_shared<fake_link>();
    wire::hello h;
    h.room = room;
    h.resume.fill(secret);
    h.peer_id = id;
    h.access_token = bytes_of(token_);
    return rooms_.join(link, room, h, now_, 1000);
  }

  peer join(std::string_view id, uint8_t secret = 1, const wire::routing_id &room = k_room) {
    auto link = std::make_shared<fake_link>();
    auto out = try_join(id, secret, link, room);
    EXPECT_TRUE(std::holds_alternative<std::shared_ptr<member>>(out))
        << (std::holds_alternative<refused>(out) ? std::get<refused>(out).text : "");
    if (!std::holds_alternative<std::shared_ptr<member>>(out)) return {link, nullptr};
    EXPECT_EQ(link->pop_as<wire::welcome>().peer_id, std::get<std::shared_ptr<member>>(out)->peer_id);
    return {link, std::get<std::shared_ptr<member>>(out)};
  }

  std::optional<wire::close_reason> handle(peer &p, const wire::frame &f) {
    auto bytes = wire::encode(f).value();
    return handle_frame(rooms_, *p.m, f, bytes.size(), now_);
  }

  std::optional<wire::close_reason> send(peer &p, std::vector<std::string_view> to, std::string_view payload) {
    return handle(p, wire::send{std::move(to), bytes_of(payload)});
  }

  config cfg_;
  room_registry rooms_;
  std::string token_;
  clock::time_point now_ = clock::now();
};

TEST_F(rooms_test, welcome_then_peer_joined_to_the_others) {
  auto a = join("");
  ASSERT_TRUE(a.m);
  EXPECT_EQ(a.m->peer_id.size(), 32u);
  auto link = std::make_shared<fake_link>();
  auto out = try_join("b", 1, link);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<member>>(out));
  auto w = link->pop_as<wire::welcome>();
  EXPECT_EQ(w.peer_id, "b");
  ASSERT_EQ(w.peers.size(), 1u);
  EXPECT_EQ(w.peers[0], a.m->peer_id);
  EXPECT_EQ(w.max_frame, cfg_.max_frame);
  EXPECT_EQ(w.max_peers, cfg_.max_peers);
  EXPECT_EQ(a.link->pop_as<wire::peer_joined>().peer_id, "b");
  EXPECT_TRUE(link->frames.empty());
  EXPECT_EQ(rooms_.peer_count(), 2u);
  EXPECT_EQ(rooms_.rooms().size(), 1u);
}

TEST_F(rooms_test, leave_announces_once_and_removes_empty_rooms) {
  auto a = join("a");
  auto b = join("b");
  a.link->pop();
  rooms_.leave(*b.m, wire::leave_reason::lost);
  rooms_.leave(*b.m, wire::leave_reason::bye);  // a second report changes nothing
  auto left = a.link->pop_as<wire::peer_left>();
  EXPECT_EQ(left.peer_id, "b");
  EXPECT_EQ(left.reason, wire::leave_reason::lost);
  EXPECT_TRUE(a.link->frames.empty());
  EXPECT_FALSE(b.m->active());
  EXPECT_FALSE(b.m->link);  // no session → member → session cycle left behind
  rooms_.leave(*a.m, wire::leave_reason::bye);
  EXPECT_TRUE(rooms_.rooms().empty());
  EXPECT_EQ(rooms_.peer_count(), 0u);
}

TEST_F(rooms_test, replacement_with_the_same_secret_is_silent_for_others) {
  auto a = join("a", 7);
  auto b = join("b");
  a.link->pop();
  auto a2 = join("a", 7);
  ASSERT_TRUE(a2.m);
  auto bye = a.link->pop_as<wire::bye>();
  EXPECT_EQ(bye.close_code, 4000);
  ASSERT_TRUE(a.link->closed);
  EXPECT_EQ(a.link->closed->first, 4000);
  EXPECT_TRUE(b.link->frames.empty());
  EXPECT_FALSE(a.m->active());
  EXPECT_EQ(rooms_.peer_count(), 2u);
  // The old member's late frames and departure are ignored.
  EXPECT_FALSE(send(a, {"b"}, "late"));
  rooms_.leave(*a.m, wire::leave_reason::lost);
  EXPECT_TRUE(b.link->frames.empty());
  EXPECT_FALSE(send(b, {"a"}, "x"));
  EXPECT_EQ(a2.link->pop_as<wire::deliver>().from, "b");
}

TEST_F(rooms_test, refusals_in_protocol_order) {
  auto a = join("a", 1);
  auto refusal_of = [](const join_outcome &o) {
    return std::holds_alternative<refused>(o) ? std::get<refused>(o).reason : static_cast<wire::refusal>(0);
  };
  EXPECT_EQ(refusal_of(try_join("a", 2)), wire::refusal::peer_id_in_use);
  wire::hello h;
  h.room = k_room;
  h.min_version = 2;
  h.max_version = 5;
  EXPECT_EQ(refusal_of(rooms_.join(std::make_shared<fake_link>(), k_room, h, now_, 0)),
            wire::refusal::unsupported_version);
  wire::routing_id other;
  other.fill(9);
  h.min_version = 1;
  EXPECT_EQ(refusal_of(rooms_.join(std::make_shared<fake_link>(), other, h, now_, 0)), wire::refusal::room_mismatch);
  EXPECT_TRUE(a.link->frames.empty());
}

class small_rooms_test : public rooms_test {
 protected:
  small_rooms_test()
      : rooms_test([] {
          config c;
          c.max_peers = 2;
          c.max_rooms = 1;
          c.token = "tok";
          return c;
        }()) {
    token_ = "tok";
  }
};

TEST_F(small_rooms_test, capacity_rooms_and_token) {
  auto a = join("a");
  auto b = join("b");
  auto refusal_of = [](const join_outcome &o) {
    return std::holds_alternative<refused>(o) ? std::get<refused>(o).reason : static_cast<wire::refusal>(0);
  };
  EXPECT_EQ(refusal_of(try_join("c")), wire::refusal::room_full);
  EXPECT_TRUE(std::holds_alternative<std::shared_ptr<member>>(try_join("b", 1)));  // replacing needs no room
  wire::routing_id other;
  other.fill(2);
  EXPECT_EQ(refusal_of(try_join("c", 1, nullptr, other)), wire::refusal::too_many_rooms);
  token_ = "tok2";
  EXPECT_EQ(refusal_of(try_join("c")), wire::refusal::unauthorized);
  token_ = "";
  EXPECT_EQ(refusal_of(try_join("c")), wire::refusal::unauthorized);
}

TEST_F(rooms_test, routing_to_one_many_all_and_errors) {
  auto a = join("a");
  auto b = join("b");
  auto c = join("c");
  a.link->frames.clear();
  b.link->frames.clear();
  EXPECT_FALSE(send(a, {"b"}, "1"));
  EXPECT_FALSE(send(a, {}, "2"));
  EXPECT_FALSE(send(a, {"a", "c", "zz"}, "3"));
  EXPECT_EQ(b.link->pop_as<wire::deliver>().from, "a");
  EXPECT_EQ(b.link->pop_as<wire::deliver>().payload.size(), 1u);
  EXPECT_TRUE(b.link->frames.empty());
  EXPECT_EQ(c.link->frames.size(), 2u);
  auto err = a.link->pop_as<wire::error>();
  EXPECT_EQ(err.code, wire::error_code::unknown_recipient);
  EXPECT_EQ(err.peer_id, "zz");
  EXPECT_TRUE(a.link->frames.empty());  // never its own frame

  c.link->room_for_droppable = 0;
  EXPECT_FALSE(send(a, {"b", "c"}, "4"));
  EXPECT_EQ(b.link->pop_as<wire::deliver>().from, "a");
  auto busy = a.link->pop_as<wire::error>();
  EXPECT_EQ(busy.code, wire::error_code::recipient_busy);
  EXPECT_EQ(busy.peer_id, "c");
  EXPECT_EQ(a.m->frames_in, 4u);
  EXPECT_GT(b.m->bytes_out, 0u);
}

TEST_F(rooms_test, ping_bye_and_wrong_direction) {
  auto a = join("a");
  auto b = join("b");
  a.link->frames.clear();
  EXPECT_FALSE(handle(a, wire::ping{42}));
  EXPECT_EQ(a.link->pop_as<wire::pong>().nonce, 42u);
  EXPECT_FALSE(handle(a, wire::pong{1}));
  EXPECT_TRUE(a.link->frames.empty());

  auto c = handle(a, wire::peer_joined{"x"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->code, 1002);
  wire::hello h;
  c = handle(a, h);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->code, 1002);

  c = handle(b, wire::bye{4001, "off"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->code, 4001);
  EXPECT_EQ(c->reason, "off");
  EXPECT_EQ(a.link->pop_as<wire::peer_left>().reason, wire::leave_reason::bye);
  EXPECT_FALSE(b.m->active());
}

TEST_F(rooms_test, shutdown_says_bye_to_everyone) {
  auto a = join("a");
  auto b = join("b");
  a.link->frames.clear();
  rooms_.shutdown();
  for (auto *p : {&a, &b}) {
    EXPECT_EQ(p->link->pop_as<wire::bye>().close_code, 1001);
    ASSERT_TRUE(p->link->closed);
    EXPECT_EQ(p->link->closed->first, 1001);
    EXPECT_TRUE(p->link->frames.empty());  // no peer_left storm on the way out
  }
  EXPECT_TRUE(rooms_.rooms().empty());
  auto refused_later = try_join("c");
  ASSERT_TRUE(std::holds_alternative<refused>(refused_later));
  EXPECT_EQ(std::get<refused>(refused_later).reason, wire::refusal::shutting_down);
}

class rate_test : public rooms_test {
 protected:
  rate_test()
      : rooms_test([] {
          config c;
          c.rate_per_s = 10;
          c.rate_burst = 3;
          return c;
        }()) {}
};

TEST_F(rate_test, over_the_limit_drops_then_closes) {
  auto a = join("a");
  for (uint64_t i = 0; i < 3; ++i) EXPECT_FALSE(handle(a, wire::ping{i}));
  EXPECT_FALSE(handle(a, wire::ping{3}));
  for (int i = 0; i < 3; ++i) a.link->pop_as<wire::pong>();
  EXPECT_EQ(a.link->pop_as<wire::error>().code, wire::error_code::rate_limited);
  now_ += std::chrono::milliseconds(100);  // one token back
  EXPECT_FALSE(handle(a, wire::ping{4}));
  EXPECT_EQ(a.link->pop_as<wire::pong>().nonce, 4u);
  std::optional<wire::close_reason> c;
  for (int i = 0; i < 100 && !c; ++i) c = handle(a, wire::ping{5});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->code, 1008);
}

}  // namespace
}  // namespace ra::relay
