#include "wire/rules.hpp"

#include <algorithm>
#include <string>

namespace ra::wire::detail {

namespace {

status bad(std::string what) { return invalid_argument(std::move(what)); }

status check_text(std::string_view text, const char *what) {
  if (!valid_text(text)) {
    return bad(std::string(what) + " must be at most " + std::to_string(k_max_text) + " bytes of printable ASCII");
  }
  return status::ok();
}

status check_payload(std::span<const uint8_t> payload, const limits &lim) {
  if (payload.size() > max_payload(lim)) {
    return status(RA_RESOURCE_EXHAUSTED, "payload of " + std::to_string(payload.size()) + " bytes exceeds the " +
                                             std::to_string(max_payload(lim)) + "-byte limit");
  }
  return status::ok();
}

status check(const hello &h, const limits &) {
  // Version 0 does not exist; an empty range cannot be negotiated.
  if (h.min_version < 1 || h.min_version > h.max_version) return bad("hello version range is empty or starts at 0");
  if (!h.peer_id.empty() && !valid_peer_id(h.peer_id)) return bad("hello peer id must be 0..64 visible ASCII bytes");
  if (h.access_token.size() > k_max_token) return bad("access token longer than 255 bytes");
  return status::ok();
}

status check(const welcome &w, const limits &lim) {
  if (!valid_peer_id(w.peer_id)) return bad("welcome peer id must be 1..64 visible ASCII bytes");
  // The client adopts these limits, so they must be limits this protocol allows.
  if (auto s = validate(limits{w.max_frame, w.max_peers}); !s) return bad("welcome limits: " + s.message());
  if (w.peers.size() >= w.max_peers) return bad("welcome lists more peers than the room holds");
  if (auto s = check_id_list(w.peers, lim.max_peers, "welcome peer list"); !s) return s;
  if (std::ranges::find(w.peers, w.peer_id) != w.peers.end()) return bad("welcome lists the peer itself");
  return status::ok();
}

status check(const join_refused &r, const limits &) {
  if (static_cast<uint16_t>(r.reason) == 0) return bad("refusal code 0");
  return check_text(r.text, "refusal text");
}

status check(const peer_joined &p, const limits &) {
  return valid_peer_id(p.peer_id) ? status::ok() : bad("peer_joined id must be 1..64 visible ASCII bytes");
}

status check(const peer_left &p, const limits &) {
  return valid_peer_id(p.peer_id) ? status::ok() : bad("peer_left id must be 1..64 visible ASCII bytes");
}

status check(const send &s, const limits &lim) {
  if (auto st = check_id_list(s.to, lim.max_peers, "send recipient list"); !st) return st;
  return check_payload(s.payload, lim);
}

status check(const deliver &d, const limits &lim) {
  if (!valid_peer_id(d.from)) return bad("deliver sender id must be 1..64 visible ASCII bytes");
  return check_payload(d.payload, lim);
}

status check(const ping &, const limits &) { return status::ok(); }
status check(const pong &, const limits &) { return status::ok(); }

status check(const error &e, const limits &) {
  if (static_cast<uint16_t>(e.code) == 0) return bad("error code 0");
  if (!e.peer_id.empty() && !valid_peer_id(e.peer_id)) return bad("error peer id must be 0..64 visible ASCII bytes");
  return check_text(e.text, "error text");
}

status check(const bye &b, const limits &) {
  if (!valid_close_code(b.close_code)) return bad("bye carries a code a WebSocket close frame may not use");
  return check_text(b.text, "bye text");
}

}  // namespace

status check_id_list(std::span<const std::string_view> ids, size_t max_count, const char *what) {
  if (ids.size() > max_count) {
    return bad(std::string(what) + " has " + std::to_string(ids.size()) + " ids, more than the limit of " +
               std::to_string(max_count));
  }
  for (auto id : ids) {
    if (!valid_peer_id(id)) return bad(std::string(what) + ": ids must be 1..64 visible ASCII bytes");
  }
  // A list is a set: a duplicate would make the relay deliver twice. Quadratic for short lists
  // (the common case, no allocation), sorted copy of the views otherwise (bounded by max_count).
  bool duplicate = false;
  if (ids.size() <= 16) {
    for (size_t i = 0; i < ids.size() && !duplicate; ++i) {
      for (size_t j = i + 1; j < ids.size() && !duplicate; ++j) duplicate = ids[i] == ids[j];
    }
  } else {
    std::vector<std::string_view> sorted(ids.begin(), ids.end());
    std::ranges::sort(sorted);
    duplicate = std::ranges::adjacent_find(sorted) != sorted.end();
  }
  if (duplicate) return bad(std::string(what) + " names a peer twice");
  return status::ok();
}

status check_fields(const frame &f, const limits &lim) {
  return std::visit([&](const auto &body) { return check(body, lim); }, f);
}

}  // namespace ra::wire::detail
