#include "room_registry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "frames.hpp"
#include "secrets.hpp"
#include "wire/routing_id.hpp"

namespace ra::relay {

namespace {

constexpr wire::refusal k_no_refusal = static_cast<wire::refusal>(0);

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

// Short room tag for logs: the routing id is public, but 64 digits per line is noise.
std::string tag(const wire::routing_id &id) { return wire::to_hex(id).substr(0, 12); }

}  // namespace

refused room_registry::check_version(const wire::hello &h) const {
  // v = min(theirs, ours); it must not fall below either side's minimum (PROTOCOL.md §3 step 1).
  const unsigned v = std::min<unsigned>(h.max_version, wire::k_version);
  if (v < std::max<unsigned>(h.min_version, wire::k_min_version)) {
    return {wire::refusal::unsupported_version, "unsupported relay protocol versions " + std::to_string(h.min_version) +
                                                    ".." + std::to_string(h.max_version) + " (this build speaks " +
                                                    std::to_string(wire::k_min_version) + ".." +
                                                    std::to_string(wire::k_version) + ")"};
  }
  return {k_no_refusal, {}};
}

const room *room_registry::find(const wire::routing_id &id) const {
  auto it = rooms_.find(id);
  return it == rooms_.end() ? nullptr : it->second.get();
}

join_outcome room_registry::join(std::shared_ptr<peer_link> link, const wire::routing_id &url_room,
                                 const wire::hello &h, clock::time_point now, int64_t now_ms) {
  if (shutting_down_) return refused{wire::refusal::shutting_down, "relay shutting down"};
  if (auto r = check_version(h); r.reason != k_no_refusal) return r;
  if (!cfg_.token.empty() && !constant_time_equal(h.access_token, bytes_of(cfg_.token))) {
    return refused{wire::refusal::unauthorized, "relay access token missing or wrong"};
  }
  if (h.room != url_room) return refused{wire::refusal::room_mismatch, "hello routing id differs from the URL's"};
  auto it = rooms_.find(url_room);
  if (it == rooms_.end() && rooms_.size() >= cfg_.max_rooms) {
    return refused{wire::refusal::too_many_rooms, "too many rooms on this relay"};
  }
  room *r = it == rooms_.end() ? nullptr : it->second.get();

  std::string id(h.peer_id);
  member *old = nullptr;
  if (id.empty()) {
    do id = random_peer_id();
    while (r && r->find(id));
  } else if (r && (old = r->find(id))) {
    if (!constant_time_equal(old->resume, h.resume)) {
      return refused{wire::refusal::peer_id_in_use, "peer id in use by another connection"};
    }
  }
  if (!old && r && r->size() >= cfg_.max_peers) return refused{wire::refusal::room_full, "room full"};

  if (!r) {
    auto [pos, _] = rooms_.emplace(url_room, std::make_unique<room>(url_room, now_ms));
    r = pos->second.get();
  }
  auto m = std::make_shared<member>();
  m->peer_id = std::move(id);
  m->resume = h.resume;
  m->link = std::move(link);
  m->limiter = rate_limiter(cfg_.rate_per_s, cfg_.rate_burst, now);
  m->connected_at_ms = now_ms;
  const bool replacing = old != nullptr;
  if (replacing) {
    replace(*r, *old);
  } else {
    ++peers_;
  }

  wire::welcome w{m->peer_id,
                  static_cast<uint32_t>(cfg_.max_frame),
                  static_cast<uint16_t>(cfg_.max_peers),
                  cfg_.rate_per_s,
                  cfg_.rate_burst,
                  cfg_.idle_timeout_s,
                  {}};
  w.peers.reserve(r->size());
  for (const auto &[other, _] : r->members()) w.peers.push_back(other);
  r->push(*m, make_frame(w, lim_), false);
  auto joined = make_frame(wire::peer_joined{m->peer_id}, lim_);
  r->insert(m);
  // The id never left on a replacement, so the others hear nothing (§3 step 4).
  if (!replacing) r->broadcast(joined, m.get());
  spdlog::debug("room {}: peer {} {} ({} peers)", tag(r->id()), m->peer_id, replacing ? "reconnected" : "joined",
                r->size());
  return m;
}

void room_registry::replace(room &r, member &old) {
  auto gone = r.take(old.peer_id);
  gone->home = nullptr;
  static constexpr std::string_view k_replaced = "replaced by a newer connection";
  r.push(*gone, make_frame(wire::bye{4000, k_replaced}, lim_), false);
  if (gone->link) gone->link->close(4000, k_replaced);
  gone->link.reset();
}

void room_registry::leave(member &m, wire::leave_reason reason) {
  if (!m.active()) return;
  room &r = *m.home;
  auto self = r.take(m.peer_id);  // keeps `m` alive until the end of this function
  m.home = nullptr;
  m.link.reset();
  --peers_;
  r.broadcast(make_frame(wire::peer_left{m.peer_id, reason}, lim_), nullptr);
  spdlog::debug("room {}: peer {} left ({}, {} peers)", tag(r.id()), m.peer_id,
                reason == wire::leave_reason::bye ? "bye" : "lost", r.size());
  if (r.empty()) {
    const wire::routing_id id = r.id();  // a copy: erasing destroys the room that holds it
    rooms_.erase(id);
  }
}

void room_registry::shutdown() {
  shutting_down_ = true;
  static constexpr std::string_view k_text = "relay shutting down";
  auto bye = make_frame(wire::bye{1001, k_text}, lim_);
  for (auto &[id, r] : rooms_) {
    for (auto &[peer, m] : r->members()) {
      r->push(*m, bye, false);
      m->home = nullptr;
      if (m->link) m->link->close(1001, k_text);
      m->link.reset();
    }
  }
  rooms_.clear();
  peers_ = 0;
}

}  // namespace ra::relay
