// tests/fuzz/fuzz_relay_frames.cpp — libFuzzer target for the relay's room logic without sockets:
// room_registry (hello, join, replace, leave, shutdown) and handle_frame (direction, rate limit,
// routing, ping, bye), driven the way relay/src/ws_session.cpp drives them, by a few simulated
// connections whose peer_links are in-memory fakes. No threads, no sockets, a simulated clock and
// counter-made peer ids (RAND_bytes below), so an input always plays out the same way.
//
// Input: byte 0 picks the relay's configuration (bits below); then records
//   [op_slot u8][len u16 big-endian][len bytes]   (a short last record takes what is left)
// where slot = op_slot & 3 picks one of four simulated peers and op = op_slot >> 2 says what happens:
//   0..47   the bytes arrive as one WebSocket binary message on the slot's connection (a new
//           connection if the slot has none open: its URL names room A, or room B for slot 3 when
//           config bit 4 is set)
//   48..55  the connection drops (the session's finish(): leave as lost)
//   56..59  the peer stops / resumes reading: droppable frames are refused, control frames pile up
//           until the queue overflows, which closes the link and leaves it as lost afterwards
//   60..62  the clock advances by (len + 1) × 10 ms
//   63      the relay shuts down
// At the end every open connection drops, and the relay must be empty.
//
// Besides crashes and sanitizer reports it checks:
//  * every frame the relay queues decodes under its limits, is one the relay may send, and is
//    droppable exactly when it is a deliver, error or pong; every close code is one a close frame
//    may carry, with a valid reason, and an error at "relay bug" level is never logged;
//  * a connection's first frame is its welcome, which lists exactly the others in the room; a
//    deliver goes only to a joined, active member of the sender's room, never back to the sender,
//    at most once per send, only to a named recipient (or anyone, for a broadcast), with the
//    sender's id and payload; every recipient a send names gets the deliver or the sender hears
//    why not; pong and error frames go only to the connection whose frame caused them;
//  * each connection's roster (welcome + peer_joined − peer_left) stays equal to the room's other
//    members: no peer_joined for a known peer, no peer_left for an unknown one, so at most one
//    peer_left per announced peer; the registry's count matches its rooms, no room is empty, and a
//    member is active exactly while its connection is open.
//
// Build and run (scripts/fuzz does this through tests/fuzz/meson.build):
//   ninja -C build-fuzz tests/fuzz/fuzz_relay_frames
//   build-fuzz/tests/fuzz/fuzz_relay_frames tests/fuzz/corpus/relay_frames
// Regenerate the seeds (from build-fuzz/, after building the target; same sources, no libFuzzer main):
//   clang++ -std=c++20 -O1 -fsanitize=address,undefined,fuzzer-no-link -DRA_FUZZ_RELAY_FRAMES_WRITE_SEEDS \
//     -DSPDLOG_SHARED_LIB -DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL -I../relay/src -Icore/src -I../core/src \
//     -I../sdk/include ../tests/fuzz/fuzz_relay_frames.cpp -Wl,--start-group relay/libra_relay.a \
//     core/libra_wire.a -lssl -lcrypto -lspdlog -lfmt -Wl,--end-group -pthread -o gen_seeds
//   ./gen_seeds ../tests/fuzz/corpus/relay_frames
#include <openssl/rand.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "frame_handler.hpp"
#include "frames.hpp"
#include "room_registry.hpp"
#include "wire/close.hpp"
#include "wire/codec.hpp"

namespace {

using namespace ra;
using namespace ra::relay;
using steady = std::chrono::steady_clock;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr size_t k_slots = 4;
constexpr size_t k_hard_control_frames = 6;  // control frames a stalled reader holds before overflow
constexpr std::string_view k_token = "fuzz-token";

constexpr uint8_t k_cfg_token = 1, k_cfg_small = 2, k_cfg_rate = 4, k_cfg_one_room = 8, k_cfg_room_b = 16;
constexpr uint8_t k_op_lost = 48, k_op_stall = 56, k_op_clock = 60, k_op_shutdown = 63;

wire::routing_id filled(uint8_t b) {
  wire::routing_id r;
  r.fill(b);
  return r;
}
const wire::routing_id k_room_a = filled(0x11), k_room_b = filled(0x22);

// Fails the input on anything logged at error level or above: the relay logs "relay bug" there.
class trap_sink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg &msg) override { check(msg.level < spdlog::level::err); }
  void flush_() override {}
};

// The relay draws assigned peer ids from RAND_bytes (secrets.cpp). The definition at the end of
// this file replaces OpenSSL's for this binary: a counter, restarted for each input, so that an
// input always plays out the same way.
uint64_t g_random_counter = 0;

void check_close(const wire::close_reason &c) { check(wire::valid_close_code(c.code) && wire::valid_text(c.reason)); }

struct fake_link;

// One simulated WebSocket connection, with what the peer at its end has learned.
struct connection {
  wire::routing_id url_room{};
  std::shared_ptr<fake_link> link;
  std::shared_ptr<member> m;  // set once join() returned a member
  std::string self;           // the id from the welcome
  bool welcomed = false;
  bool closed = false;      // closing or gone: no more messages, pushes refused
  bool overflowed = false;  // closed by its own queue: its member leaves after the current step
  bool stalled = false;
  size_t stalled_control = 0;
  std::set<std::string, std::less<>> roster;  // the others, as announced to this peer
};

// What the relay is doing at the moment, so that the links can tell whether a frame is expected.
struct step {
  connection *handling = nullptr;       // whose frame handle_frame() is processing
  const wire::send *sending = nullptr;  // … when it is a send
  const wire::ping *pinging = nullptr;  // … when it is a ping
  std::set<const connection *> delivered;
  std::set<std::string, std::less<>> busy, unknown;  // error peer ids the sender got
  bool sender_refused = false;                       // the sender's own queue refused something
  bool rate_limited = false;                         // the sender got error(rate_limited)
};

struct harness;
harness *g = nullptr;

struct fake_link final : peer_link {
  explicit fake_link(connection &c) : conn(c) {}
  bool push(shared_frame frame, bool droppable) override;
  void close(uint16_t code, std::string_view reason) override;
  connection &conn;
};

struct harness {
  config cfg;
  std::vector<std::unique_ptr<connection>> conns;  // every connection of this input
  std::unique_ptr<room_registry> rooms;            // declared after conns: destroyed first
  std::array<wire::routing_id, k_slots> url_rooms{};
  std::array<connection *, k_slots> current{};
  std::vector<connection *> deferred_leave;
  steady::time_point now = steady::time_point(std::chrono::hours(1));
  int64_t now_ms = 1'700'000'000'000;
  step st;

  explicit harness(uint8_t flags) {
    if (flags & k_cfg_token) cfg.token = std::string(k_token);
    if (flags & k_cfg_small) {
      cfg.max_frame = wire::k_min_frame_limit;
      cfg.max_peers = 3;
    }
    if (flags & k_cfg_rate) {
      cfg.rate_per_s = 10;
      cfg.rate_burst = 3;
    }
    if (flags & k_cfg_one_room) cfg.max_rooms = 1;
    rooms = std::make_unique<room_registry>(cfg);
    for (size_t s = 0; s < k_slots; ++s) url_rooms[s] = (s == 3 && (flags & k_cfg_room_b)) ? k_room_b : k_room_a;
  }

  connection &open(size_t slot) {
    auto c = std::make_unique<connection>();
    c->url_room = url_rooms[slot];
    c->link = std::make_shared<fake_link>(*c);
    current[slot] = c.get();
    conns.push_back(std::move(c));
    return *conns.back();
  }

  // ws_session::fail(): leave as lost, then close.
  void fail(connection &c, const wire::close_reason &why) {
    check_close(why);
    if (c.m) rooms->leave(*c.m, wire::leave_reason::lost);
    c.closed = true;
  }

  void message(size_t slot, std::span<const uint8_t> bytes) {
    connection *cp = current[slot];
    if (!cp || cp->closed) cp = &open(slot);
    connection &c = *cp;
    if (!c.m) return hello(c, bytes);

    auto f = wire::decode(bytes, rooms->limits());
    if (!f) {
      const auto why = wire::close_for(f.error());
      check(why.code == 1002 || why.code == 1007 || why.code == 1009);
      return fail(c, why);
    }
    st = step{};
    st.handling = &c;
    st.sending = std::get_if<wire::send>(&*f);
    st.pinging = std::get_if<wire::ping>(&*f);
    auto close = handle_frame(*rooms, *c.m, *f, bytes.size(), now);
    if (st.sending && !close) check_routed(c, *st.sending);
    st = step{};
    if (close) fail(c, *close);
  }

  // The first message of a connection: ws_session::on_hello().
  void hello(connection &c, std::span<const uint8_t> bytes) {
    // The relay reads at most k_max_hello_frame bytes before a hello: a bigger message fails the
    // read, and the connection ends without joining.
    if (bytes.size() > wire::k_max_hello_frame) {
      c.closed = true;
      return;
    }
    auto f = wire::decode(bytes, rooms->limits());
    if (!f) return fail(c, wire::close_for(f.error()));
    const auto *h = std::get_if<wire::hello>(&*f);
    if (!h) return fail(c, close_before_hello(*f));
    auto out = rooms->join(c.link, c.url_room, *h, now, now_ms);
    if (auto *r = std::get_if<refused>(&out)) {
      check(!c.welcomed);
      const wire::join_refused jr{r->reason, r->text};
      check(make_frame(jr, rooms->limits()) != nullptr);
      const auto why = wire::close_for(jr);
      check(why.reason == r->text);
      return fail(c, why);
    }
    c.m = std::get<std::shared_ptr<member>>(std::move(out));
    check(c.m && c.m->active() && c.m->link == c.link);
    check(c.welcomed && c.self == c.m->peer_id);
    if (!h->peer_id.empty()) check(c.self == h->peer_id);
  }

  // Every recipient a send named (or, for a broadcast, every other member) got the deliver, or
  // the sender was told why not — unless the rate limit dropped the frame or the sender's own
  // queue refused the error.
  void check_routed(const connection &c, const wire::send &s) {
    if (st.sender_refused || st.rate_limited || !c.m->active()) return;
    const room &r = *c.m->home;
    auto got = [&](std::string_view id) {
      const member *to = r.find(id);
      if (!to) return st.unknown.contains(id);
      const auto *link = static_cast<const fake_link *>(to->link.get());
      return st.busy.contains(id) || (link && st.delivered.contains(&link->conn));
    };
    if (s.to.empty()) {
      for (const auto &[id, m] : r.members()) {
        if (m != c.m) check(got(id));
      }
    } else {
      for (auto id : s.to) {
        if (id != c.self) check(got(id));
      }
    }
  }
  void lost(size_t slot) {
    connection *c = current[slot];
    if (!c || c->closed) return;
    if (c->m) rooms->leave(*c->m, wire::leave_reason::lost);
    c->closed = true;
  }

  void stall(size_t slot) {
    connection *c = current[slot];
    if (!c || c->closed) return;
    c->stalled = !c->stalled;
    c->stalled_control = 0;  // resuming drains the queue
  }

  void shutdown() {
    rooms->shutdown();
    for (auto &c : conns) check(c->closed);
  }

  // The leave_lost() that ws_session posts after an overflow runs once the current step is done.
  void settle() {
    auto pending = std::move(deferred_leave);
    deferred_leave.clear();
    for (connection *c : pending) {
      if (c->m) rooms->leave(*c->m, wire::leave_reason::lost);
    }
    check_consistent();
  }

  void check_consistent() {
    size_t total = 0;
    for (const auto &[id, r] : rooms->rooms()) {
      check(r && !r->empty() && r->id() == id);
      total += r->size();
      for (const auto &[peer, m] : r->members()) {
        check(m && m->peer_id == peer && m->home == r.get() && m->link);
        const auto &c = static_cast<const fake_link &>(*m->link).conn;
        check(c.m == m && c.url_room == id && c.self == peer);
      }
    }
    check(total == rooms->peer_count());
    for (const auto &c : conns) {
      if (!c->m) continue;
      check(c->closed != c->m->active());
      if (c->closed) continue;
      const room &r = *c->m->home;
      check(c->roster.size() + 1 == r.size());
      for (const auto &[peer, m] : r.members()) check(m == c->m || c->roster.contains(peer));
    }
  }
};

bool fake_link::push(shared_frame frame, bool droppable) {
  harness &h = *g;
  step &st = h.st;
  connection &c = conn;
  check(frame != nullptr);  // room::push() filters null frames, the link never sees one
  auto decoded = wire::decode(*frame, h.rooms->limits());
  check(decoded.is_ok());
  const wire::frame &f = *decoded;
  const wire::frame_type type = wire::type_of(f);
  check(wire::relay_may_send(type));
  check(droppable ==
        (type == wire::frame_type::deliver || type == wire::frame_type::error || type == wire::frame_type::pong));
  // Only a link that closed itself on overflow is still in a room while closed.
  if (c.closed) {
    check(c.overflowed);
    return false;
  }
  if (type != wire::frame_type::welcome) check(c.welcomed);

  // What each frame may say, and to whom.
  if (const auto *w = std::get_if<wire::welcome>(&f)) {
    check(!c.welcomed && !c.m);
    check(w->max_frame == h.cfg.max_frame && w->max_peers == h.cfg.max_peers);
    check(w->rate_per_s == h.cfg.rate_per_s && w->rate_burst == h.cfg.rate_burst);
    const room *r = h.rooms->find(c.url_room);
    check(r && r->size() == w->peers.size());
    for (auto id : w->peers) check(id != w->peer_id && r->find(id));
  } else if (const auto *d = std::get_if<wire::deliver>(&f)) {
    check(st.sending && st.handling && st.handling != &c);  // never back to its sender
    check(d->from == st.handling->self && std::ranges::equal(d->payload, st.sending->payload));
    check(c.m && c.m->active() && c.m->link.get() == this && c.m->home == st.handling->m->home);
    check(c.self != st.handling->self);
    check(st.delivered.insert(&c).second);  // once per send
    if (!st.sending->to.empty()) check(std::ranges::find(st.sending->to, c.self) != st.sending->to.end());
  } else if (const auto *e = std::get_if<wire::error>(&f)) {
    check(st.handling == &c);
    switch (e->code) {
      case wire::error_code::unknown_recipient:
        check(st.sending && std::ranges::find(st.sending->to, e->peer_id) != st.sending->to.end());
        check(!c.m->home->find(e->peer_id));
        break;
      case wire::error_code::recipient_busy:
        check(st.sending && c.m->home->find(e->peer_id) && e->peer_id != c.self);
        break;
      case wire::error_code::rate_limited:
        check(e->peer_id.empty());
        break;
      default:
        check(false);
    }
  } else if (const auto *p = std::get_if<wire::pong>(&f)) {
    check(st.handling == &c && st.pinging && p->nonce == st.pinging->nonce);
  } else if (const auto *b = std::get_if<wire::bye>(&f)) {
    check(b->close_code == 4000 || b->close_code == 1001);  // replaced, or shutdown
  } else if (!std::holds_alternative<wire::peer_joined>(f) && !std::holds_alternative<wire::peer_left>(f)) {
    check(false);  // hello, join_refused (sent by the session itself), send, ping
  }

  // A stalled reader refuses droppable frames and overflows on too many control frames.
  if (c.stalled) {
    if (droppable) {
      if (st.handling == &c) st.sender_refused = true;
      return false;
    }
    if (++c.stalled_control > k_hard_control_frames) {
      c.closed = c.overflowed = true;
      h.deferred_leave.push_back(&c);
      return false;
    }
  }

  // Accepted: what the peer learns.
  if (const auto *w = std::get_if<wire::welcome>(&f)) {
    c.welcomed = true;
    c.self = std::string(w->peer_id);
    for (auto id : w->peers) check(c.roster.emplace(id).second);
  } else if (const auto *j = std::get_if<wire::peer_joined>(&f)) {
    check(j->peer_id != c.self && c.roster.emplace(j->peer_id).second);
  } else if (const auto *l = std::get_if<wire::peer_left>(&f)) {
    check(l->reason == wire::leave_reason::bye || l->reason == wire::leave_reason::lost);
    auto it = c.roster.find(l->peer_id);
    check(it != c.roster.end());  // at most one peer_left per announced peer
    c.roster.erase(it);
  } else if (const auto *e = std::get_if<wire::error>(&f)) {
    if (e->code == wire::error_code::recipient_busy) st.busy.emplace(e->peer_id);
    if (e->code == wire::error_code::unknown_recipient) st.unknown.emplace(e->peer_id);
    if (e->code == wire::error_code::rate_limited) st.rate_limited = true;
  }
  return true;
}

void fake_link::close(uint16_t code, std::string_view reason) {
  check(wire::valid_close_code(code) && wire::valid_text(reason));
  check(code == 4000 || code == 1001);  // the registry closes only on replacement and shutdown
  check(!conn.closed || conn.overflowed);
  conn.closed = true;
}

void run(std::span<const uint8_t> input) {
  if (input.empty()) return;
  g_random_counter = 0;
  harness h(input[0]);
  g = &h;
  size_t off = 1;
  while (off + 3 <= input.size()) {
    const uint8_t op_slot = input[off];
    const size_t want = static_cast<size_t>(input[off + 1]) << 8 | input[off + 2];
    off += 3;
    const size_t len = std::min(want, input.size() - off);
    const auto bytes = input.subspan(off, len);
    off += len;
    const size_t slot = op_slot & (k_slots - 1);
    const uint8_t op = op_slot >> 2;
    if (op < k_op_lost) {
      h.message(slot, bytes);
    } else if (op < k_op_stall) {
      h.lost(slot);
    } else if (op < k_op_clock) {
      h.stall(slot);
    } else if (op < k_op_shutdown) {
      h.now += std::chrono::milliseconds(10 * (want + 1));
      h.now_ms += static_cast<int64_t>(10 * (want + 1));
    } else {
      h.shutdown();
    }
    h.settle();
  }
  for (size_t s = 0; s < k_slots; ++s) {
    h.lost(s);
    h.settle();
  }
  check(h.rooms->rooms().empty() && h.rooms->peer_count() == 0);
  g = nullptr;
}

}  // namespace

extern "C" int RAND_bytes(unsigned char *buf, int num) {
  for (int i = 0; i < num; ++i)
    buf[i] = static_cast<unsigned char>((g_random_counter + 1) * 0x9e3779b97f4a7c15u >> (8 * (i % 8)));
  ++g_random_counter;
  return 1;
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  auto logger = std::make_shared<spdlog::logger>("fuzz", std::make_shared<trap_sink>());
  logger->set_level(spdlog::level::info);  // debug lines are formatted only when enabled
  spdlog::set_default_logger(std::move(logger));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  run(std::span<const uint8_t>(data, size));
  return 0;
}

#ifdef RA_FUZZ_RELAY_FRAMES_WRITE_SEEDS
#include <cstdio>
#include <fstream>

namespace {

struct seed {
  std::vector<uint8_t> bytes;

  explicit seed(uint8_t flags) : bytes{flags} {}
  seed &record(uint8_t op_slot, std::span<const uint8_t> body) {
    bytes.push_back(op_slot);
    bytes.push_back(static_cast<uint8_t>(body.size() >> 8));
    bytes.push_back(static_cast<uint8_t>(body.size()));
    bytes.insert(bytes.end(), body.begin(), body.end());
    return *this;
  }
  seed &frame(size_t slot, const wire::frame &f) { return record(static_cast<uint8_t>(slot), wire::encode(f).value()); }
  seed &op(size_t slot, uint8_t action, uint16_t len = 0) {
    bytes.insert(bytes.end(),
                 {static_cast<uint8_t>(action << 2 | slot), static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)});
    return *this;
  }
  seed &hello(size_t slot, std::string_view id, uint8_t secret = 1, const wire::routing_id &room = k_room_a,
              std::string_view token = {}) {
    wire::hello h;
    h.room = room;
    h.resume.fill(secret);
    h.peer_id = id;
    h.access_token = {reinterpret_cast<const uint8_t *>(token.data()), token.size()};
    return frame(slot, h);
  }
  seed &send(size_t slot, std::vector<std::string_view> to, std::string_view payload) {
    return frame(slot, wire::send{std::move(to), {reinterpret_cast<const uint8_t *>(payload.data()), payload.size()}});
  }
};

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  auto write = [&](const std::string &name, const seed &s) {
    run(s.bytes);  // every seed must pass the target's own checks
    std::ofstream(dir + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char *>(s.bytes.data()), static_cast<std::streamsize>(s.bytes.size()));
  };
  LLVMFuzzerInitialize(nullptr, nullptr);

  write("two_peers", seed(0)
                         .hello(0, "a")
                         .hello(1, "b")
                         .send(0, {"b"}, "hi")
                         .send(1, {}, "to all")
                         .frame(0, wire::ping{7})
                         .frame(1, wire::pong{7})
                         .frame(1, wire::bye{1000, "done"}));
  write("broadcast_unknown_lost", seed(0)
                                      .hello(0, "a")
                                      .hello(1, "b")
                                      .hello(2, "c")
                                      .send(2, {"a", "zz", "c"}, "x")
                                      .op(1, k_op_lost)
                                      .send(0, {}, "y")
                                      .send(0, {"b"}, "z"));
  write("replace_and_in_use", seed(0)
                                  .hello(0, "a", 1)
                                  .hello(1, "b")
                                  .hello(2, "a", 1)
                                  .hello(3, "a", 9)
                                  .send(0, {"a"}, "after replace")
                                  .send(2, {"b"}, "new a")
                                  .hello(2, "a", 1));
  write("token_and_full_room", seed(k_cfg_token | k_cfg_small)
                                   .hello(0, "a")
                                   .hello(0, "a", 1, k_room_a, k_token)
                                   .hello(1, "b", 1, k_room_a, k_token)
                                   .hello(2, "c", 1, k_room_a, k_token)
                                   .hello(3, "d", 1, k_room_a, k_token)
                                   .send(2, {}, "full room"));
  write("second_room", seed(k_cfg_room_b)
                           .hello(0, "a")
                           .hello(3, "d", 1, k_room_a)
                           .hello(3, "d", 1, k_room_b)
                           .send(3, {}, "alone")
                           .send(3, {"a"}, "elsewhere"));
  write("one_room_only", seed(k_cfg_one_room | k_cfg_room_b).hello(0, "a").hello(3, "d", 1, k_room_b));
  seed rate(k_cfg_rate);
  rate.hello(0, "a").hello(1, "b");
  for (uint64_t i = 0; i < 6; ++i) rate.frame(0, wire::ping{i});
  rate.op(0, k_op_clock, 20).send(0, {"b"}, "after refill");
  for (uint64_t i = 0; i < 40; ++i) rate.frame(0, wire::ping{i});
  write("rate_limit", rate);
  seed stall(0);
  stall.hello(0, "a").hello(1, "b").op(1, k_op_stall).send(0, {"b"}, "dropped");
  for (int i = 0; i < 4; ++i) stall.hello(2, "c").op(2, k_op_lost);
  stall.op(1, k_op_stall).send(0, {}, "after");
  write("stalled_reader", stall);
  write("shutdown", seed(0).hello(0, "a").hello(1, "").send(1, {}, "x").op(0, k_op_shutdown).hello(0, "a"));
  write("bad_first_frames", seed(0)
                                .frame(0, wire::ping{1})
                                .record(1, std::vector<uint8_t>{'G', 'E', 'T', ' ', '/'})
                                .hello(2, "c")
                                .hello(2, "c")
                                .hello(3, "d")
                                .frame(3, wire::peer_joined{"x"}));
  return 0;
}
#endif
