// tests/fuzz/fuzz_peer_messages.cpp — libFuzzer target for the peer message bodies
// (core/src/peer/messages.hpp): the JSON that a peer finds inside an opened envelope.
//
// Each input is parsed by every decoder (decode_request/reply/partial/control/info/event). Besides crashes
// and sanitizer reports it checks, for every body that decodes:
//  * encode() produces well-formed UTF-8 that decodes again, with the same decoder, to an equal
//    message (field by field; raw JSON members compare as text), and encoding that gives the same
//    text again (one encoding per message after the first pass);
//  * the id (where there is one) is a valid request id, and a control's type is "cancel".
//
// Build and run by hand (scripts/fuzz does the same through tests/fuzz/meson.build):
//   meson setup build-fuzz -Dfuzzing=true ... && ninja -C build-fuzz tests/fuzz/fuzz_peer_messages
//   build-fuzz/tests/fuzz/fuzz_peer_messages tests/fuzz/corpus/peer_messages
// Seeds (corpus/peer_messages/) are one valid body of each kind plus a few near misses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "peer/messages.hpp"
#include "util/json.hpp"

namespace {

using namespace ra::peer;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool same(const request_msg &a, const request_msg &b) {
  return a.id == b.id && a.expires_at_ms == b.expires_at_ms && a.tool == b.tool && a.args_json == b.args_json &&
         a.timeout_ms == b.timeout_ms && a.caller == b.caller;
}
bool same(const reply_msg &a, const reply_msg &b) {
  return a.id == b.id && a.outcome == b.outcome && a.status == b.status && a.result_json == b.result_json &&
         a.message == b.message && a.duration_ms == b.duration_ms;
}
bool same(const partial_msg &a, const partial_msg &b) { return a.id == b.id && a.data_json == b.data_json; }
bool same(const control_msg &a, const control_msg &b) { return a.type == b.type && a.id == b.id; }
bool same(const info_msg &a, const info_msg &b) {
  return a.info_json == b.info_json && a.tools_json == b.tools_json && a.reply_wanted == b.reply_wanted;
}

bool same(const event_msg &a, const event_msg &b) { return a.topic == b.topic && a.data_json == b.data_json; }

// decode → encode → decode gives an equal message, and the second encoding is the first one.
template <class Decode>
void round_trip(std::string_view input, Decode decode) {
  auto first = decode(input);
  if (!first.is_ok()) {
    check(!first.error().message().empty());
    return;
  }
  const std::string text = encode(*first);
  check(ra::json::is_valid_utf8(text));
  auto second = decode(text);
  check(second.is_ok());
  check(same(*first, *second));
  check(encode(*second) == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string_view input(reinterpret_cast<const char *>(data), size);
  round_trip(input, decode_request);
  round_trip(input, decode_reply);
  round_trip(input, decode_partial);
  round_trip(input, decode_control);
  round_trip(input, decode_info);
  round_trip(input, decode_event);
  // The fields a decoder promises, beyond the round trip.
  if (auto r = decode_request(input); r.is_ok()) check(valid_request_id(r->id) && !r->tool.empty());
  if (auto c = decode_control(input); c.is_ok()) check(c->type == "cancel" && valid_request_id(c->id));
  if (auto e = decode_event(input); e.is_ok())
    check(valid_event_topic(e->topic) && e->data_json.size() <= k_event_max_bytes && e->data_json[0] == '{');
  return 0;
}
