// Integration tests of remote-agents-relay: the real binary ($RA_RELAY_BIN) on 127.0.0.1:0, driven
// by test_client over WebSocket and HTTP. Every wait is a read with a timeout; nothing sleeps.
// The scenarios follow relay/PROTOCOL.md section by section.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <set>

#include "relay_process.hpp"
#include "test_client.hpp"
#include "wire/routing_id.hpp"

namespace ra::relay::test {
namespace {

using wire::frame_type;

wire::routing_id room_id(uint8_t fill) {
  wire::routing_id r;
  r.fill(fill);
  return r;
}

std::string room_path(const wire::routing_id &r) { return "/ws/room/" + wire::to_hex(r); }

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

struct joined {
  std::unique_ptr<ws_client> c;
  std::string id;
  std::vector<std::string> peers;
  uint32_t max_frame = 0, rate = 0, burst = 0, idle = 0;
  uint16_t max_peers = 0;
};

struct hello_options {
  std::string id;
  uint8_t secret = 1;
  std::string token;
  std::optional<wire::routing_id> hello_room;  // default: the URL's
  uint8_t min_version = 1, max_version = 1;
};

class relay : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    std::string err;
    relay_ = relay_process::start(std::move(args), &err);
    ASSERT_TRUE(relay_) << err;
    tls_ = relay_->listening_line().starts_with("listening on wss://");
  }

  std::unique_ptr<ws_client> connect(const wire::routing_id &room) { return connect_path(room_path(room)); }

  std::unique_ptr<ws_client> connect_path(const std::string &path) {
    std::string err;
    auto c = ws_client::connect({relay_->port(), path, tls_}, &err);
    EXPECT_TRUE(c) << path << ": " << err;
    return c;
  }

  static wire::hello make_hello(const wire::routing_id &room, const hello_options &o) {
    wire::hello h;
    h.min_version = o.min_version;
    h.max_version = o.max_version;
    h.room = o.hello_room.value_or(room);
    h.resume.fill(o.secret);
    h.peer_id = o.id;
    h.access_token = bytes_of(o.token);
    return h;
  }

  // Connects, sends the hello and expects a welcome. On failure `c` is null.
  joined join(const wire::routing_id &room, hello_options o = {}) {
    joined j;
    auto c = connect(room);
    if (!c) return j;
    EXPECT_TRUE(c->send(make_hello(room, o)));
    auto f = c->read_frame();
    if (!f || f->type() != frame_type::welcome) {
      ADD_FAILURE() << "no welcome for '" << o.id << "'";
      return j;
    }
    const auto &w = f->as<wire::welcome>();
    j.id = std::string(w.peer_id);
    for (auto p : w.peers) j.peers.emplace_back(p);
    std::ranges::sort(j.peers);
    j.max_frame = w.max_frame;
    j.max_peers = w.max_peers;
    j.rate = w.rate_per_s;
    j.burst = w.rate_burst;
    j.idle = w.idle_timeout_s;
    j.c = std::move(c);
    return j;
  }

  // Sends a hello that must be refused: join_refused with `reason`, then a close with `code`
  // and the same text.
  void expect_refused(const wire::routing_id &room, const hello_options &o, wire::refusal reason, uint16_t code) {
    auto c = connect(room);
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send(make_hello(room, o)));
    auto f = c->read_frame();
    ASSERT_TRUE(f);
    ASSERT_EQ(f->type(), frame_type::join_refused);
    const auto &r = f->as<wire::join_refused>();
    EXPECT_EQ(r.reason, reason);
    const std::string text(r.text);
    auto closed = c->wait_close();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, code);
    EXPECT_EQ(closed->reason, text);
  }

  // Every scenario ends with a graceful stop, which must succeed: under the sanitizers this is
  // also where the relay's leaks would show up, as a non-zero exit.
  void TearDown() override {
    if (!relay_) return;
    auto status = relay_->stop();
    EXPECT_TRUE(status) << "the relay did not stop within 5 s of SIGTERM";
    if (status) {
      EXPECT_EQ(*status, 0);
    }
  }

  std::unique_ptr<relay_process> relay_;
  bool tls_ = false;
};

owned_frame expect_frame(ws_client &c, frame_type type, ms timeout = 5000ms) {
  auto f = c.read_frame(timeout);
  if (!f) {
    ADD_FAILURE() << "expected a " << wire::type_name(type) << " frame, got nothing";
    return {};
  }
  EXPECT_EQ(f->type(), type) << "got " << wire::type_name(f->type());
  return std::move(*f);
}

void expect_close(ws_client &c, uint16_t code, std::string_view reason_part = {}) {
  auto closed = c.wait_close();
  ASSERT_TRUE(closed) << "no close";
  EXPECT_EQ(closed->code, code) << closed->reason;
  EXPECT_NE(closed->reason.find(reason_part), std::string::npos) << closed->reason;
}

void expect_deliver(ws_client &c, std::string_view from, std::string_view payload) {
  auto f = expect_frame(c, frame_type::deliver);
  if (f.type() != frame_type::deliver) return;
  const auto &d = f.as<wire::deliver>();
  EXPECT_EQ(d.from, from);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char *>(d.payload.data()), d.payload.size()), payload);
}

void expect_peer_left(ws_client &c, std::string_view id, wire::leave_reason reason) {
  auto f = expect_frame(c, frame_type::peer_left);
  if (f.type() != frame_type::peer_left) return;
  EXPECT_EQ(f.as<wire::peer_left>().peer_id, id);
  EXPECT_EQ(f.as<wire::peer_left>().reason, reason);
}

// Proves nothing else is queued for `c`: a ping's pong must be the very next frame.
void expect_nothing_pending(ws_client &c, uint64_t nonce = 99) {
  ASSERT_TRUE(c.send(wire::ping{nonce}));
  auto f = expect_frame(c, frame_type::pong);
  if (f.type() == frame_type::pong) {
    EXPECT_EQ(f.as<wire::pong>().nonce, nonce);
  }
}

bool send_to(ws_client &c, std::vector<std::string_view> to, std::string_view payload) {
  return c.send(wire::send{std::move(to), bytes_of(payload)});
}

// A frame header with the given fields followed by `body`.
std::vector<uint8_t> raw_frame(uint8_t version, uint8_t type, uint32_t body_len, std::vector<uint8_t> body) {
  std::vector<uint8_t> out = {0x52,
                              0x41,
                              version,
                              type,
                              static_cast<uint8_t>(body_len >> 24),
                              static_cast<uint8_t>(body_len >> 16),
                              static_cast<uint8_t>(body_len >> 8),
                              static_cast<uint8_t>(body_len)};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

const wire::routing_id k_room = room_id(0x11);

// ---- §3 joining ----------------------------------------------------------------------------------

TEST_F(relay, welcome_assigns_ids_lists_peers_and_states_limits) {
  start({"--max-frame", "65536", "--max-peers", "50", "--rate", "70", "--burst", "80", "--idle-timeout-secs", "33"});
  auto a = join(k_room);
  ASSERT_TRUE(a.c);
  EXPECT_EQ(a.id.size(), 32u);
  EXPECT_TRUE(std::ranges::all_of(a.id, [](char ch) { return std::isxdigit(ch) && !std::isupper(ch); })) << a.id;
  EXPECT_TRUE(a.peers.empty());
  EXPECT_EQ(a.max_frame, 65536u);
  EXPECT_EQ(a.max_peers, 50u);
  EXPECT_EQ(a.rate, 70u);
  EXPECT_EQ(a.burst, 80u);
  EXPECT_EQ(a.idle, 33u);

  auto b = join(k_room, {.id = "bee"});
  ASSERT_TRUE(b.c);
  EXPECT_EQ(b.id, "bee");
  EXPECT_EQ(b.peers, std::vector<std::string>{a.id});
  EXPECT_EQ(expect_frame(*a.c, frame_type::peer_joined).as<wire::peer_joined>().peer_id, "bee");

  auto c = join(k_room, {.id = "cat"});
  ASSERT_TRUE(c.c);
  std::vector<std::string> want{a.id, "bee"};
  std::ranges::sort(want);
  EXPECT_EQ(c.peers, want);
  EXPECT_EQ(expect_frame(*a.c, frame_type::peer_joined).as<wire::peer_joined>().peer_id, "cat");
  EXPECT_EQ(expect_frame(*b.c, frame_type::peer_joined).as<wire::peer_joined>().peer_id, "cat");

  // Another room is another world.
  auto d = join(room_id(0x22), {.id = "bee"});
  ASSERT_TRUE(d.c);
  EXPECT_TRUE(d.peers.empty());
  expect_nothing_pending(*a.c);
}

TEST_F(relay, joins_and_departures_arrive_in_order_with_reasons) {
  start();
  auto a = join(k_room, {.id = "a"});
  auto b = join(k_room, {.id = "b"});
  auto c = join(k_room, {.id = "c"});
  ASSERT_TRUE(a.c && b.c && c.c);

  ASSERT_TRUE(b.c->send(wire::bye{1000, "done for today"}));
  expect_close(*b.c, 1000, "done for today");
  ASSERT_TRUE(c.c->send(wire::ping{1}));
  c.c->drop();  // no bye, no close frame: lost
  auto d = join(k_room, {.id = "d"});
  ASSERT_TRUE(d.c);
  EXPECT_EQ(d.peers, std::vector<std::string>{"a"});

  EXPECT_EQ(expect_frame(*a.c, frame_type::peer_joined).as<wire::peer_joined>().peer_id, "b");
  EXPECT_EQ(expect_frame(*a.c, frame_type::peer_joined).as<wire::peer_joined>().peer_id, "c");
  expect_peer_left(*a.c, "b", wire::leave_reason::bye);
  expect_peer_left(*a.c, "c", wire::leave_reason::lost);
  EXPECT_EQ(expect_frame(*a.c, frame_type::peer_joined).as<wire::peer_joined>().peer_id, "d");
  expect_nothing_pending(*a.c);

  // A peer closed by the relay for a protocol error is lost too.
  ASSERT_TRUE(d.c->send_text("hi"));
  expect_close(*d.c, 1003);
  expect_peer_left(*a.c, "d", wire::leave_reason::lost);
}

TEST_F(relay, refusals_unauthorized_room_mismatch_version) {
  start({"--token", "s3cret-token"});
  expect_refused(k_room, {.id = "x"}, wire::refusal::unauthorized, 1008);
  expect_refused(k_room, {.id = "x", .token = "wrong"}, wire::refusal::unauthorized, 1008);
  expect_refused(k_room, {.id = "x", .token = "s3cret-token", .hello_room = room_id(0x99)},
                 wire::refusal::room_mismatch, 1008);
  expect_refused(k_room, {.id = "x", .token = "s3cret-token", .min_version = 2, .max_version = 3},
                 wire::refusal::unsupported_version, 1002);
  auto ok = join(k_room, {.id = "x", .token = "s3cret-token"});
  EXPECT_TRUE(ok.c);
}

TEST_F(relay, peer_id_in_use_needs_the_same_resume_secret) {
  start();
  auto a = join(k_room, {.id = "alpha", .secret = 1});
  ASSERT_TRUE(a.c);
  expect_refused(k_room, {.id = "alpha", .secret = 2}, wire::refusal::peer_id_in_use, 1008);
  expect_nothing_pending(*a.c);
}

TEST_F(relay, resume_replaces_the_stale_connection_silently) {
  start();
  auto a = join(k_room, {.id = "alpha", .secret = 7});
  auto b = join(k_room, {.id = "beta"});
  ASSERT_TRUE(a.c && b.c);
  expect_frame(*a.c, frame_type::peer_joined);

  auto a2 = join(k_room, {.id = "alpha", .secret = 7});
  ASSERT_TRUE(a2.c);
  EXPECT_EQ(a2.peers, std::vector<std::string>{"beta"});
  auto bye = expect_frame(*a.c, frame_type::bye);
  if (bye.type() == frame_type::bye) {
    EXPECT_EQ(bye.as<wire::bye>().close_code, 4000);
    EXPECT_EQ(bye.as<wire::bye>().text, "replaced by a newer connection");
  }
  expect_close(*a.c, 4000, "replaced by a newer connection");
  expect_nothing_pending(*b.c);  // no peer_left, no peer_joined: alpha never left

  ASSERT_TRUE(send_to(*b.c, {"alpha"}, "to the new one"));
  expect_deliver(*a2.c, "beta", "to the new one");
  // And when the new connection goes, beta hears exactly one peer_left.
  a2.c->drop();
  expect_peer_left(*b.c, "alpha", wire::leave_reason::lost);
  expect_nothing_pending(*b.c);
}

TEST_F(relay, room_full_and_too_many_rooms_and_empty_rooms_are_removed) {
  start({"--max-peers", "2", "--max-rooms", "1"});
  auto a = join(k_room, {.id = "a"});
  auto b = join(k_room, {.id = "b"});
  ASSERT_TRUE(a.c && b.c);
  expect_refused(k_room, {.id = "c"}, wire::refusal::room_full, 1013);
  expect_refused(room_id(0x33), {.id = "c"}, wire::refusal::too_many_rooms, 1013);
  a.c->close(1000, "");
  b.c->close(1000, "");
  // The room is gone once empty, so another one fits.
  auto c = join(room_id(0x33), {.id = "c"});
  EXPECT_TRUE(c.c);
}

// ---- §2 and §5: frames the relay refuses -----------------------------------------------------

TEST_F(relay, bad_magic_version_type_and_order_close_1002) {
  start();
  struct row {
    std::vector<uint8_t> bytes;
    std::string reason;
  };
  const std::vector<row> rows = {
      {{0x08, 0x01, 0x12, 0x00}, "not a remote-agents relay frame"},  // e.g. a protobuf ClientMessage
      {raw_frame(2, 1, 0, {}), "unsupported relay protocol version 2 (this build speaks 1..1)"},
      {raw_frame(1, 12, 0, {}), "unknown frame type 12"},
      {wire::encode(wire::ping{5}).value(), "expected a hello first"},
  };
  for (const auto &r : rows) {
    SCOPED_TRACE(r.reason);
    auto c = connect(k_room);
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_binary(r.bytes));
    expect_close(*c, 1002, r.reason);
  }
  auto a = join(k_room, {.id = "a"});
  ASSERT_TRUE(a.c);
  ASSERT_TRUE(a.c->send(make_hello(k_room, {.id = "a"})));
  expect_close(*a.c, 1002, "second hello");
  auto b = join(k_room, {.id = "b"});
  ASSERT_TRUE(b.c);
  ASSERT_TRUE(b.c->send(wire::deliver{"b", bytes_of("x")}));
  expect_close(*b.c, 1002, "may not send deliver");
}

TEST_F(relay, malformed_frames_close_1007) {
  start();
  auto a = join(k_room, {.id = "a"});
  ASSERT_TRUE(a.c);
  ASSERT_TRUE(a.c->send_binary(raw_frame(1, 8, 9, {0, 0, 0, 0, 0, 0, 0, 1})));  // body_len says 9, has 8
  expect_close(*a.c, 1007, "body length");

  auto b = join(k_room, {.id = "b"});
  ASSERT_TRUE(b.c);
  ASSERT_TRUE(b.c->send_binary(raw_frame(1, 6, 6, {0, 2, 1, 'x', 1, 'x'})));  // "x" named twice
  expect_close(*b.c, 1007, "twice");

  auto c = connect(k_room);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send_binary(raw_frame(1, 1, 3, {1, 1, 0})));  // a truncated hello
  expect_close(*c, 1007, "malformed hello");
}

TEST_F(relay, text_messages_close_1003) {
  start();
  auto c = connect(k_room);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send_text("{\"type\":\"auth\"}"));
  expect_close(*c, 1003, "binary frames only");
}

TEST_F(relay, oversize_frames_and_payloads_close_1009) {
  start({"--max-frame", "4096", "--max-peers", "8"});
  const size_t max_payload = 4096 - wire::k_max_deliver_overhead;
  auto a = join(k_room, {.id = "a"});
  auto b = join(k_room, {.id = "b"});
  ASSERT_TRUE(a.c && b.c);
  expect_frame(*a.c, frame_type::peer_joined);

  // The largest payload passes.
  const std::string fits(max_payload, 'p');
  ASSERT_TRUE(send_to(*a.c, {"b"}, fits));
  expect_deliver(*b.c, "a", fits);

  // One byte more: the frame is under max_frame but its payload is not.
  auto send_big = wire::encode(wire::send{{}, bytes_of(std::string(max_payload + 1, 'p'))}, {1 << 20, 8}).value();
  ASSERT_LE(send_big.size(), 4096u);
  ASSERT_TRUE(a.c->send_binary(send_big));
  expect_close(*a.c, 1009, "payload of");
  expect_peer_left(*b.c, "a", wire::leave_reason::lost);

  // A message over max_frame is not even read.
  ASSERT_TRUE(b.c->send_binary(std::vector<uint8_t>(5000, 0x52)));
  expect_close(*b.c, 1009);

  // Before the hello, at most k_max_hello_frame bytes.
  auto c = connect(k_room);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send_binary(std::vector<uint8_t>(wire::k_max_hello_frame + 1, 0x52)));
  expect_close(*c, 1009);
}

TEST_F(relay, no_hello_in_time_closes_1008) {
  start({"--hello-timeout-ms", "300"});
  const auto t0 = std::chrono::steady_clock::now();
  auto c = connect(k_room);
  ASSERT_TRUE(c);
  expect_close(*c, 1008, "no hello");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
}

TEST_F(relay, wrong_urls_get_http_errors) {
  start();
  std::string err;
  EXPECT_FALSE(ws_client::connect({relay_->port(), "/ws/room/abc", false}, &err));
  EXPECT_EQ(err, "HTTP 404");
  EXPECT_FALSE(ws_client::connect({relay_->port(), "/elsewhere", false}, &err));
  EXPECT_EQ(err, "HTTP 404");
}

// ---- §6, §8: sending -------------------------------------------------------------------------

TEST_F(relay, send_to_one_many_all_never_back_to_the_sender) {
  start();
  auto a = join(k_room, {.id = "a"});
  auto b = join(k_room, {.id = "b"});
  auto c = join(k_room, {.id = "c"});
  auto d = join(k_room, {.id = "d"});
  ASSERT_TRUE(a.c && b.c && c.c && d.c);
  for (int i = 0; i < 3; ++i) expect_frame(*a.c, frame_type::peer_joined);
  for (int i = 0; i < 2; ++i) expect_frame(*b.c, frame_type::peer_joined);
  expect_frame(*c.c, frame_type::peer_joined);

  ASSERT_TRUE(send_to(*a.c, {"b"}, "one"));
  ASSERT_TRUE(send_to(*a.c, {"b", "c"}, "many"));
  ASSERT_TRUE(send_to(*a.c, {}, "all"));
  ASSERT_TRUE(send_to(*a.c, {"a", "d"}, "own id ignored"));
  expect_deliver(*b.c, "a", "one");
  expect_deliver(*b.c, "a", "many");
  expect_deliver(*b.c, "a", "all");
  expect_deliver(*c.c, "a", "many");
  expect_deliver(*c.c, "a", "all");
  expect_deliver(*d.c, "a", "all");
  expect_deliver(*d.c, "a", "own id ignored");
  expect_nothing_pending(*a.c);  // nothing came back to the sender
  expect_nothing_pending(*b.c);
  expect_nothing_pending(*c.c);
  expect_nothing_pending(*d.c);

  ASSERT_TRUE(send_to(*a.c, {"b", "ghost"}, "partly"));
  expect_deliver(*b.c, "a", "partly");
  auto e = expect_frame(*a.c, frame_type::error);
  if (e.type() == frame_type::error) {
    EXPECT_EQ(e.as<wire::error>().code, wire::error_code::unknown_recipient);
    EXPECT_EQ(e.as<wire::error>().peer_id, "ghost");
  }
  expect_nothing_pending(*a.c);  // an error does not close
}

TEST_F(relay, ping_frames_get_pongs_with_the_same_nonce) {
  start();
  auto a = join(k_room);
  ASSERT_TRUE(a.c);
  for (uint64_t nonce : {0ull, 1ull, 0xfedcba9876543210ull}) expect_nothing_pending(*a.c, nonce);
}

TEST_F(relay, a_full_recipient_queue_drops_with_recipient_busy) {
  start({"--rate", "0", "--max-frame", "1048576"});
  auto a = join(k_room, {.id = "a"});
  auto b = join(k_room, {.id = "b"});  // never reads until the end
  ASSERT_TRUE(a.c && b.c);
  expect_frame(*a.c, frame_type::peer_joined);
  const std::string big(900 * 1024, 'z');
  bool busy = false;
  // Kernel buffers plus the 16 MiB queue hold a few dozen of these; 100 are sure to overflow.
  for (int i = 0; i < 100 && !busy; ++i) {
    ASSERT_TRUE(send_to(*a.c, {"b"}, big));
    while (auto f = a.c->read_frame(0ms)) {
      if (f->type() == frame_type::error) {
        EXPECT_EQ(f->as<wire::error>().code, wire::error_code::recipient_busy);
        EXPECT_EQ(f->as<wire::error>().peer_id, "b");
        busy = true;
      }
    }
  }
  if (!busy) {
    auto f = a.c->read_frame();
    busy = f && f->type() == frame_type::error;
  }
  EXPECT_TRUE(busy);
  // b is still there and gets what was queued, in order.
  auto first = expect_frame(*b.c, frame_type::deliver, 10000ms);
  if (first.type() == frame_type::deliver) {
    EXPECT_EQ(first.as<wire::deliver>().payload.size(), big.size());
  }
}

// ---- §4 limits ---------------------------------------------------------------------------------

TEST_F(relay, rate_limit_drops_with_an_error_then_closes_abusers) {
  start({"--rate", "1", "--burst", "5"});
  auto a = join(k_room);
  ASSERT_TRUE(a.c);
  for (uint64_t i = 0; i < 8; ++i) ASSERT_TRUE(a.c->send(wire::ping{i}));
  int pongs = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    auto f = a.c->read_frame();
    ASSERT_TRUE(f);
    if (f->type() == frame_type::pong) ++pongs;
    if (f->type() == frame_type::error && f->as<wire::error>().code == wire::error_code::rate_limited) ++limited;
  }
  EXPECT_GE(pongs, 5);  // the burst, plus whatever refilled meanwhile
  EXPECT_EQ(pongs + limited, 8);
  EXPECT_GE(limited, 1);
  EXPECT_FALSE(a.c->closed());

  // Keep going regardless: the relay gives up on the connection.
  for (uint64_t i = 0; i < 100 && !a.c->closed(); ++i) a.c->send(wire::ping{i});
  expect_close(*a.c, 1008, "rate limit");
}

TEST_F(relay, idle_connections_close_1001_and_activity_keeps_them) {
  start({"--idle-timeout-secs", "1"});
  auto a = join(k_room, {.id = "a"});
  auto b = join(k_room, {.id = "b"});
  ASSERT_TRUE(a.c && b.c);
  expect_frame(*a.c, frame_type::peer_joined);
  // a keeps sending WebSocket pings (control frames count); b stays silent.
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<owned_frame> left;
  while (!left && std::chrono::steady_clock::now() - t0 < 5s) {
    ASSERT_TRUE(a.c->send_ws_ping());
    left = a.c->read_frame(250ms);
  }
  ASSERT_TRUE(left);
  ASSERT_EQ(left->type(), frame_type::peer_left);
  EXPECT_EQ(left->as<wire::peer_left>().peer_id, "b");
  EXPECT_EQ(left->as<wire::peer_left>().reason, wire::leave_reason::lost);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 900ms);
  expect_close(*b.c, 1001, "idle timeout");
  expect_nothing_pending(*a.c);
}

// ---- HTTP --------------------------------------------------------------------------------------

rapidjson::Document parse_json(const std::string &body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body;
  return d;
}

TEST_F(relay, http_endpoints_and_their_token_gate) {
  start({"--token", "api-token"});
  auto a = join(k_room, {.id = "a", .token = "api-token"});
  auto b = join(k_room, {.id = "b", .token = "api-token"});
  ASSERT_TRUE(a.c && b.c);
  ASSERT_TRUE(send_to(*a.c, {"b"}, "12345"));
  expect_deliver(*b.c, "a", "12345");

  auto health = http_request(relay_->port(), "GET", "/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200u);
  EXPECT_EQ(health->headers["content-type"], "application/json");
  auto h = parse_json(health->body);
  EXPECT_STREQ(h["status"].GetString(), "ok");
  EXPECT_STREQ(h["service"].GetString(), "remote-agents-relay");
  EXPECT_TRUE(h["version"].IsString());
  EXPECT_EQ(h["rooms"].GetUint64(), 1u);
  EXPECT_EQ(h["peers"].GetUint64(), 2u);

  for (const char *auth : {"", "Bearer nope", "Basic api-token", "Bearer api-token2"}) {
    auto r = http_request(relay_->port(), "GET", "/api/rooms", auth);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401u) << auth;
    EXPECT_TRUE(parse_json(r->body).HasMember("error"));
    EXPECT_EQ(r->body.find("api-token"), std::string::npos);
  }
  auto rooms = http_request(relay_->port(), "GET", "/api/rooms", "Bearer api-token");
  ASSERT_TRUE(rooms);
  EXPECT_EQ(rooms->status, 200u);
  auto rs = parse_json(rooms->body);
  ASSERT_EQ(rs["rooms"].Size(), 1u);
  EXPECT_EQ(std::string(rs["rooms"][0]["room"].GetString()), wire::to_hex(k_room));
  EXPECT_EQ(rs["rooms"][0]["peers"].GetUint64(), 2u);
  EXPECT_GT(rs["rooms"][0]["created_at_ms"].GetInt64(), 0);
  EXPECT_GT(rs["rooms"][0]["bytes_in"].GetUint64(), 0u);
  EXPECT_GT(rs["rooms"][0]["bytes_out"].GetUint64(), 0u);

  auto one = http_request(relay_->port(), "GET", "/api/room/" + wire::to_hex(k_room), "Bearer api-token");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200u);
  auto r1 = parse_json(one->body);
  ASSERT_EQ(r1["peers"].Size(), 2u);
  EXPECT_STREQ(r1["peers"][0]["peer_id"].GetString(), "a");
  EXPECT_STREQ(r1["peers"][1]["peer_id"].GetString(), "b");
  EXPECT_EQ(r1["peers"][0]["frames_in"].GetUint64(), 1u);  // the send; the hello is not counted
  EXPECT_GT(r1["peers"][1]["bytes_out"].GetUint64(), 0u);
  EXPECT_EQ(one->body.find("12345"), std::string::npos);  // no payloads

  auto missing = http_request(relay_->port(), "GET", "/api/room/" + wire::to_hex(room_id(0x77)), "Bearer api-token");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404u);
  EXPECT_TRUE(parse_json(missing->body).HasMember("error"));
  auto nowhere = http_request(relay_->port(), "GET", "/nowhere");
  ASSERT_TRUE(nowhere);
  EXPECT_EQ(nowhere->status, 404u);
  auto post = http_request(relay_->port(), "POST", "/health");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405u);
  EXPECT_EQ(post->headers["allow"], "GET");
  auto plain_get = http_request(relay_->port(), "GET", room_path(k_room));
  ASSERT_TRUE(plain_get);
  EXPECT_EQ(plain_get->status, 426u);
}

// ---- TLS ---------------------------------------------------------------------------------------

class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "relay-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~temp_dir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path &path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST_F(relay, tls_serves_wss_and_https) {
  temp_dir dir;
  const auto cert = (dir.path() / "cert.pem").string(), key = (dir.path() / "key.pem").string();
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
      "-subj /CN=localhost -keyout '" +
      key + "' -out '" + cert + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a certificate";
  start({"--tls-cert", cert, "--tls-key", key});
  ASSERT_TRUE(tls_) << relay_->listening_line();

  auto a = join(k_room, {.id = "a"});
  auto b = join(k_room, {.id = "b"});
  ASSERT_TRUE(a.c && b.c);
  ASSERT_TRUE(send_to(*b.c, {"a"}, "over tls"));
  expect_frame(*a.c, frame_type::peer_joined);
  expect_deliver(*a.c, "b", "over tls");

  auto health = http_request(relay_->port(), "GET", "/health", {}, true);
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200u);
  EXPECT_EQ(parse_json(health->body)["peers"].GetUint64(), 2u);
  // Plain HTTP on the TLS port gets nowhere.
  auto plain = http_request(relay_->port(), "GET", "/health", {}, false, 2000ms);
  EXPECT_FALSE(plain && plain->status == 200u);
}

// ---- Shutdown ------------------------------------------------------------------------------------

TEST_F(relay, sigterm_says_bye_1001_and_exits_0) {
  start();
  auto a = join(k_room, {.id = "a"});
  auto b = join(k_room, {.id = "b"});
  ASSERT_TRUE(a.c && b.c);
  expect_frame(*a.c, frame_type::peer_joined);
  auto idle = connect(room_id(0x44));  // a handshake in progress is closed too
  ASSERT_TRUE(idle);

  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(relay_->signal(SIGTERM));
  for (auto *c : {a.c.get(), b.c.get()}) {
    auto bye = expect_frame(*c, frame_type::bye);
    if (bye.type() == frame_type::bye) {
      EXPECT_EQ(bye.as<wire::bye>().close_code, 1001);
      EXPECT_EQ(bye.as<wire::bye>().text, "relay shutting down");
    }
    expect_close(*c, 1001, "relay shutting down");
  }
  expect_close(*idle, 1001);
  auto status = relay_->wait_exit(2000ms);
  ASSERT_TRUE(status) << "still running 2 s after SIGTERM";
  EXPECT_EQ(*status, 0);
  std::printf("[ info ] SIGTERM to exit: %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<ms>(std::chrono::steady_clock::now() - t0).count()));
}

// ---- Load ----------------------------------------------------------------------------------------

struct latency_report {
  double mean_ms = 0, p50_ms = 0, p99_ms = 0, max_ms = 0;
};

latency_report summarize(std::vector<double> v) {
  std::ranges::sort(v);
  latency_report r;
  r.mean_ms = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  r.p50_ms = v[v.size() / 2];
  r.p99_ms = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  r.max_ms = v.back();
  return r;
}

// a sends 200 numbered messages to b, one at a time; b checks their order and answers each.
// Returns the one-way latencies (send → arrival at b), or an empty vector after a failure.
std::vector<double> exchange_200(ws_client &a, ws_client &b) {
  std::vector<double> one_way;
  for (int i = 0; i < 200; ++i) {
    const std::string payload = "msg-" + std::to_string(i);
    const auto t0 = std::chrono::steady_clock::now();
    if (!send_to(a, {"b"}, payload)) return {};
    auto f = b.read_frame(10000ms);
    if (!f || f->type() != frame_type::deliver) {
      ADD_FAILURE() << "message " << i << " did not arrive";
      return {};
    }
    const auto &d = f->as<wire::deliver>();
    EXPECT_EQ(std::string_view(reinterpret_cast<const char *>(d.payload.data()), d.payload.size()), payload);
    one_way.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!send_to(b, {"a"}, "ack-" + std::to_string(i))) return {};
    auto ack = a.read_frame(10000ms);
    if (!ack || ack->type() != frame_type::deliver) {
      ADD_FAILURE() << "ack " << i << " did not arrive";
      return {};
    }
  }
  return one_way;
}

TEST_F(relay, a_thousand_bogus_connections_do_not_hold_up_joined_peers) {
  start({"--token", "load-token", "--rate", "0"});
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  auto a = join(k_room, {.id = "a", .token = "load-token"});
  auto b = join(k_room, {.id = "b", .token = "load-token"});
  ASSERT_TRUE(a.c && b.c);
  expect_frame(*a.c, frame_type::peer_joined);

  auto quiet = exchange_200(*a.c, *b.c);
  ASSERT_EQ(quiet.size(), 200u);

  bogus_swarm swarm(relay_->port(), room_path(room_id(0x5a)), 1000, 20);
  ASSERT_TRUE(swarm.wait_all_opened(60s)) << "only " << swarm.opened() << " bogus connections opened";
  const size_t attempts_before = swarm.attempts();
  const auto cpu_before = relay_->cpu_time();
  const auto t_loaded = std::chrono::steady_clock::now();
  auto loaded = exchange_200(*a.c, *b.c);
  const double loaded_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_loaded).count();
  const size_t attempts_during = swarm.attempts() - attempts_before;
  const auto cpu_during = relay_->cpu_time() - cpu_before;
  ASSERT_EQ(loaded.size(), 200u);
  swarm.stop();
  EXPECT_LT(std::chrono::steady_clock::now(), deadline);

  auto q = summarize(quiet), l = summarize(loaded);
  std::printf("[ info ] one-way latency of 200 messages, quiet:          mean %.3f ms, p50 %.3f, p99 %.3f, max %.3f\n",
              q.mean_ms, q.p50_ms, q.p99_ms, q.max_ms);
  std::printf("[ info ] same, with 1000 bogus connections open:   mean %.3f ms, p50 %.3f, p99 %.3f, max %.3f\n",
              l.mean_ms, l.p50_ms, l.p99_ms, l.max_ms);
  std::printf("[ info ] (%zu new bogus connections during those %.2f s: %.0f/s; relay CPU %lld ms = %.0f%%)\n",
              attempts_during, loaded_s, static_cast<double>(attempts_during) / loaded_s,
              static_cast<long long>(cpu_during.count()),
              100.0 * static_cast<double>(cpu_during.count()) / 1000.0 / loaded_s);
  RecordProperty("quiet_p50_us", static_cast<int>(q.p50_ms * 1000));
  RecordProperty("loaded_p50_us", static_cast<int>(l.p50_ms * 1000));
  RecordProperty("loaded_p99_us", static_cast<int>(l.p99_ms * 1000));
  // The peers are still fine afterwards.
  expect_nothing_pending(*a.c);
}

}  // namespace
}  // namespace ra::relay::test
