#include "frame_handler.hpp"

#include <string>

#include "frames.hpp"

namespace ra::relay {

namespace {

constexpr uint16_t k_protocol_error = static_cast<uint16_t>(wire::close_code::protocol_error);

wire::close_reason protocol_error(std::string reason) { return {k_protocol_error, wire::clip_reason(reason)}; }

// A send to the named peers, or to everyone else when `to` is empty. The deliver is encoded once
// and shared by every recipient; each refusal by a full queue becomes error(recipient_busy) to
// the sender, each unknown name error(unknown_recipient). The sender never gets its own frame.
void route(room_registry &rooms, member &from, const wire::send &s) {
  room &r = *from.home;
  const auto &lim = rooms.limits();
  shared_frame deliver;
  auto deliver_to = [&](member &to) {
    if (!deliver) deliver = make_frame(wire::deliver{from.peer_id, s.payload}, lim);
    if (!r.push(to, deliver, true)) {
      r.push(from, make_error(wire::error_code::recipient_busy, to.peer_id, "recipient's queue is full", lim), true);
    }
  };
  if (s.to.empty()) {
    for (auto &[id, m] : r.members()) {
      if (m.get() != &from) deliver_to(*m);
    }
    return;
  }
  for (auto id : s.to) {
    if (id == from.peer_id) continue;  // PROTOCOL.md §8: an own id in `to` is ignored
    if (member *to = r.find(id)) {
      deliver_to(*to);
    } else {
      r.push(from, make_error(wire::error_code::unknown_recipient, id, "no such peer in the room", lim), true);
    }
  }
}

}  // namespace

wire::close_reason close_before_hello(const wire::frame &f) {
  return protocol_error(std::string("expected a hello first, got a ") + wire::type_name(wire::type_of(f)) + " frame");
}

std::optional<wire::close_reason> handle_frame(room_registry &rooms, member &from, const wire::frame &f,
                                               size_t wire_size, std::chrono::steady_clock::time_point now) {
  if (!from.active()) return std::nullopt;  // replaced or shut down: its link is closing already
  room &r = *from.home;
  from.frames_in += 1;
  from.bytes_in += wire_size;
  r.count_in(wire_size);

  const wire::frame_type type = wire::type_of(f);
  if (type == wire::frame_type::hello) return protocol_error("a second hello");
  if (!wire::peer_may_send(type)) {
    return protocol_error(std::string("a peer may not send ") + wire::type_name(type) + " frames");
  }
  if (const auto *b = std::get_if<wire::bye>(&f)) {
    rooms.leave(from, wire::leave_reason::bye);
    return wire::close_reason{b->close_code, std::string(b->text)};
  }
  const auto &lim = rooms.limits();
  if (!from.limiter.allow(now)) {
    if (from.limiter.abusive()) {
      return wire::close_reason{static_cast<uint16_t>(wire::close_code::policy_violation),
                                "rate limit exceeded repeatedly"};
    }
    r.push(from, make_error(wire::error_code::rate_limited, "", "frame dropped by the rate limit", lim), true);
    return std::nullopt;
  }
  if (const auto *s = std::get_if<wire::send>(&f)) {
    route(rooms, from, *s);
  } else if (const auto *p = std::get_if<wire::ping>(&f)) {
    r.push(from, make_frame(wire::pong{p->nonce}, lim), true);
  }
  // pong: nothing to do; like every message it kept the connection from going idle.
  return std::nullopt;
}

}  // namespace ra::relay
