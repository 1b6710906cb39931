#include "wire/frame.hpp"

#include <algorithm>
#include <string>

namespace ra::wire {

namespace {

bool same_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b) { return std::ranges::equal(a, b); }

}  // namespace

bool is_known_type(uint8_t type) { return type >= 1 && type <= k_max_type; }

const char *type_name(frame_type type) {
  switch (type) {
    case frame_type::hello:
      return "hello";
    case frame_type::welcome:
      return "welcome";
    case frame_type::join_refused:
      return "join_refused";
    case frame_type::peer_joined:
      return "peer_joined";
    case frame_type::peer_left:
      return "peer_left";
    case frame_type::send:
      return "send";
    case frame_type::deliver:
      return "deliver";
    case frame_type::ping:
      return "ping";
    case frame_type::pong:
      return "pong";
    case frame_type::error:
      return "error";
    case frame_type::bye:
      return "bye";
  }
  return "unknown";
}

bool peer_may_send(frame_type type) {
  switch (type) {
    case frame_type::hello:
    case frame_type::send:
    case frame_type::ping:
    case frame_type::pong:
    case frame_type::bye:
      return true;
    default:
      return false;
  }
}

bool relay_may_send(frame_type type) {
  switch (type) {
    case frame_type::welcome:
    case frame_type::join_refused:
    case frame_type::peer_joined:
    case frame_type::peer_left:
    case frame_type::deliver:
    case frame_type::ping:
    case frame_type::pong:
    case frame_type::error:
    case frame_type::bye:
      return true;
    default:
      return false;
  }
}

const char *refusal_name(refusal r) {
  switch (r) {
    case refusal::unsupported_version:
      return "unsupported_version";
    case refusal::unauthorized:
      return "unauthorized";
    case refusal::room_full:
      return "room_full";
    case refusal::too_many_rooms:
      return "too_many_rooms";
    case refusal::room_mismatch:
      return "room_mismatch";
    case refusal::peer_id_in_use:
      return "peer_id_in_use";
    case refusal::busy:
      return "busy";
    case refusal::shutting_down:
      return "shutting_down";
  }
  return "unknown";
}

const char *error_code_name(error_code c) {
  switch (c) {
    case error_code::unknown_recipient:
      return "unknown_recipient";
    case error_code::rate_limited:
      return "rate_limited";
    case error_code::recipient_busy:
      return "recipient_busy";
  }
  return "unknown";
}

frame_type type_of(const frame &f) {
  // The variant's alternatives are declared in frame_type order, starting at 1.
  return static_cast<frame_type>(f.index() + 1);
}

bool operator==(const hello &a, const hello &b) {
  return a.min_version == b.min_version && a.max_version == b.max_version && a.room == b.room && a.resume == b.resume &&
         a.peer_id == b.peer_id && same_bytes(a.access_token, b.access_token);
}
bool operator==(const welcome &a, const welcome &b) {
  return a.peer_id == b.peer_id && a.max_frame == b.max_frame && a.max_peers == b.max_peers &&
         a.rate_per_s == b.rate_per_s && a.rate_burst == b.rate_burst && a.idle_timeout_s == b.idle_timeout_s &&
         a.peers == b.peers;
}
bool operator==(const join_refused &a, const join_refused &b) { return a.reason == b.reason && a.text == b.text; }
bool operator==(const peer_joined &a, const peer_joined &b) { return a.peer_id == b.peer_id; }
bool operator==(const peer_left &a, const peer_left &b) { return a.peer_id == b.peer_id && a.reason == b.reason; }
bool operator==(const send &a, const send &b) { return a.to == b.to && same_bytes(a.payload, b.payload); }
bool operator==(const deliver &a, const deliver &b) { return a.from == b.from && same_bytes(a.payload, b.payload); }
bool operator==(const ping &a, const ping &b) { return a.nonce == b.nonce; }
bool operator==(const pong &a, const pong &b) { return a.nonce == b.nonce; }
bool operator==(const error &a, const error &b) {
  return a.code == b.code && a.peer_id == b.peer_id && a.text == b.text;
}
bool operator==(const bye &a, const bye &b) { return a.close_code == b.close_code && a.text == b.text; }

size_t max_welcome_size(size_t peers) {
  return k_header_size + 1 + k_max_peer_id + 4 + 2 + 4 + 4 + 4 + 2 + peers * (1 + k_max_peer_id);
}

status validate(const limits &lim) {
  if (lim.max_frame < k_min_frame_limit || lim.max_frame > k_max_frame_cap) {
    return invalid_argument("max frame must be " + std::to_string(k_min_frame_limit) + ".." +
                            std::to_string(k_max_frame_cap) + " bytes");
  }
  if (lim.max_peers < 1 || lim.max_peers > k_max_peers_cap) {
    return invalid_argument("max peers per room must be 1.." + std::to_string(k_max_peers_cap));
  }
  // A joining peer must be able to receive the full roster in one welcome.
  if (max_welcome_size(lim.max_peers - 1) > lim.max_frame) {
    return invalid_argument("a welcome listing " + std::to_string(lim.max_peers) + " peers needs up to " +
                            std::to_string(max_welcome_size(lim.max_peers - 1)) +
                            " bytes: raise max frame or lower max peers");
  }
  return status::ok();
}

size_t max_payload(const limits &lim) {
  return lim.max_frame > k_max_deliver_overhead ? lim.max_frame - k_max_deliver_overhead : 0;
}

bool valid_peer_id(std::string_view id) {
  if (id.empty() || id.size() > k_max_peer_id) return false;
  return std::ranges::all_of(id, [](char c) { return c >= 0x21 && c <= 0x7e; });
}

bool valid_text(std::string_view text) {
  if (text.size() > k_max_text) return false;
  return std::ranges::all_of(text, [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool valid_close_code(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

}  // namespace ra::wire
