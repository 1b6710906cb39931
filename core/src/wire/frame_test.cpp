// Tests of the relay frame codec (codec.hpp): pinned byte layouts (the tables in relay/PROTOCOL.md),
// round trips of every type, truncations, every single-byte corruption, limits, and the statuses
// that select the WebSocket close code.
#include "wire/codec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wire/close.hpp"

namespace ra::wire {
namespace {

std::vector<uint8_t> from_hex(std::string_view text) {
  std::vector<uint8_t> out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < text.size(); i += 2)
    out.push_back(static_cast<uint8_t>(nib(text[i]) << 4 | nib(text[i + 1])));
  return out;
}

std::string hex_of(std::span<const uint8_t> b) {
  static constexpr char d[] = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) s += {d[x >> 4], d[x & 15]};
  return s;
}

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

// Storage the sample frames point into; frames are views.
const std::string k_payload = "\x02\x01opaque envelope bytes";
const std::vector<uint8_t> k_empty;

routing_id counting_room() {
  routing_id r{};
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<uint8_t>(i);
  return r;
}

resume_secret counting_resume() {
  resume_secret r{};
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<uint8_t>(0xf0 + i);
  return r;
}

struct sample {
  const char *name;
  frame f;
  std::string pinned_hex;  // the exact encoding; the byte tables of relay/PROTOCOL.md
};

std::vector<sample> samples() {
  hello h;
  h.room = counting_room();
  h.resume = counting_resume();
  h.peer_id = "p1";
  h.access_token = bytes_of("tok");

  hello h_assign;  // empty id, no token: the relay assigns an id, the relay is not gated
  h_assign.min_version = 1;
  h_assign.max_version = 3;

  welcome w;
  w.peer_id = "p1";
  w.max_frame = 1048576;
  w.max_peers = 1024;
  w.rate_per_s = 200;
  w.rate_burst = 400;
  w.idle_timeout_s = 90;
  w.peers = {"p2", "p3"};

  // The hex is laid out field by field, like the tables in relay/PROTOCOL.md.
  // clang-format off
  return {
      {"hello", h,
       "5241" "01" "01" "00000039"                                          // header: RA v1 hello, 57 bytes
       "01" "01"                                                            // min, max version
       "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"   // routing id
       "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"                                   // resume secret
       "02" "7031"                                                          // peer id "p1"
       "03" "746f6b"},                                                      // token "tok"
      {"hello, relay assigns the id", h_assign,
       "5241" "01" "01" "00000034" "01" "03" + std::string(64, '0') + std::string(32, '0') + "00" "00"},
      {"welcome", w,
       "5241" "01" "02" "0000001d"
       "02" "7031"       // your id "p1"
       "00100000"        // max_frame 1 MiB
       "0400"            // max_peers 1024
       "000000c8"        // 200 frames/s
       "00000190"        // burst 400
       "0000005a"        // idle timeout 90 s
       "0002" "02" "7032" "02" "7033"},  // peers p2, p3
      {"welcome, empty room", welcome{"p1", 4096, 1, 0, 0, 0, {}},
       "5241" "01" "02" "00000017" "02" "7031" "00001000" "0001" "00000000" "00000000" "00000000" "0000"},
      {"join_refused", join_refused{refusal::room_full, "room full"},
       "5241" "01" "03" "0000000c" "0003" "09" "726f6f6d2066756c6c"},
      {"peer_joined", peer_joined{"p2"}, "5241" "01" "04" "00000003" "02" "7032"},
      {"peer_left", peer_left{"p2", leave_reason::lost}, "5241" "01" "05" "00000004" "02" "7032" "02"},
      {"send to two", send{{"p2", "p3"}, bytes_of("xyz")},
       "5241" "01" "06" "0000000b" "0002" "02" "7032" "02" "7033" "78797a"},
      {"send broadcast", send{{}, bytes_of(k_payload)}, ""},
      {"send empty payload", send{{"p2"}, k_empty}, "5241" "01" "06" "00000005" "0001" "02" "7032"},
      {"deliver", deliver{"p1", bytes_of("xyz")}, "5241" "01" "07" "00000006" "02" "7031" "78797a"},
      {"ping", ping{0x0102030405060708ULL}, "5241" "01" "08" "00000008" "0102030405060708"},
      {"pong", pong{0xfffffffffffffffeULL}, "5241" "01" "09" "00000008" "fffffffffffffffe"},
      {"error", error{error_code::unknown_recipient, "p9", "gone"},
       "5241" "01" "0a" "0000000a" "0001" "02" "7039" "04" "676f6e65"},
      {"error without peer", error{error_code::rate_limited, "", ""}, "5241" "01" "0a" "00000004" "0002" "00" "00"},
      {"bye", bye{1001, "restart"}, "5241" "01" "0b" "0000000a" "03e9" "07" "72657374617274"},
  };
}

limits small_limits() { return limits{k_min_frame_limit, 16}; }

TEST(wire_frame, layouts_are_pinned) {
  for (const auto &s : samples()) {
    SCOPED_TRACE(s.name);
    auto bytes = encode(s.f);
    ASSERT_TRUE(bytes.is_ok()) << bytes.error().to_string();
    if (!s.pinned_hex.empty()) {
      EXPECT_EQ(hex_of(*bytes), s.pinned_hex);
    }
    EXPECT_EQ(bytes->size(), encoded_size(s.f));
  }
}

TEST(wire_frame, every_type_round_trips_to_the_same_bytes) {
  std::vector<bool> seen(k_max_type + 1);
  for (const auto &s : samples()) {
    SCOPED_TRACE(s.name);
    auto bytes = encode(s.f).value();
    auto back = decode(bytes);
    ASSERT_TRUE(back.is_ok()) << back.error().to_string();
    EXPECT_EQ(type_of(*back), type_of(s.f));
    EXPECT_TRUE(*back == s.f);
    EXPECT_EQ(encode(*back).value(), bytes);
    seen[static_cast<size_t>(type_of(s.f))] = true;
  }
  for (uint8_t t = 1; t <= k_max_type; ++t) EXPECT_TRUE(seen[t]) << "no sample of " << type_name(frame_type(t));
}

TEST(wire_frame, decode_returns_views_into_the_buffer) {
  auto bytes = encode(send{{"p2"}, bytes_of(k_payload)}).value();
  auto f = decode(bytes).value();
  const auto &s = std::get<send>(f);
  EXPECT_EQ(s.payload.data(), bytes.data() + bytes.size() - k_payload.size());
  EXPECT_EQ(s.to[0].data(), reinterpret_cast<const char *>(bytes.data()) + k_header_size + 3);
}

TEST(wire_frame, head_plus_payload_is_the_whole_frame) {
  for (const auto &s : samples()) {
    SCOPED_TRACE(s.name);
    std::vector<uint8_t> head;
    ASSERT_TRUE(encode_head(s.f, head).is_ok());
    std::span<const uint8_t> payload;
    if (auto *p = std::get_if<send>(&s.f)) payload = p->payload;
    if (auto *p = std::get_if<deliver>(&s.f)) payload = p->payload;
    head.insert(head.end(), payload.begin(), payload.end());
    EXPECT_EQ(head, encode(s.f).value());
  }
}

TEST(wire_frame, encode_to_appends) {
  std::vector<uint8_t> out = {0xaa};
  ASSERT_TRUE(encode_to(ping{7}, out).is_ok());
  ASSERT_EQ(out.size(), 1 + k_header_size + 8);
  EXPECT_EQ(out[0], 0xaa);
  EXPECT_TRUE(decode(std::span(out).subspan(1)).is_ok());
}

TEST(wire_frame, every_truncation_is_rejected) {
  for (const auto &s : samples()) {
    SCOPED_TRACE(s.name);
    auto bytes = encode(s.f).value();
    for (size_t n = 0; n < bytes.size(); ++n) {
      auto r = decode(std::span(bytes).first(n));
      ASSERT_FALSE(r.is_ok()) << "prefix of " << n << " bytes decoded";
      EXPECT_EQ(r.error().code(), RA_INVALID_ARGUMENT) << r.error().to_string();
      EXPECT_EQ(close_for(r.error()).code, 1007);
    }
  }
}

// A truncated body whose length field was fixed up exercises the field parsers rather than the
// length check: it must be refused, except that cutting into a trailing payload leaves a valid,
// shorter send or deliver.
TEST(wire_frame, every_truncation_with_a_consistent_length_is_rejected_or_well_formed) {
  for (const auto &s : samples()) {
    SCOPED_TRACE(s.name);
    auto bytes = encode(s.f).value();
    for (size_t n = k_header_size; n < bytes.size(); ++n) {
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
      const uint32_t body = static_cast<uint32_t>(n - k_header_size);
      for (int i = 0; i < 4; ++i) cut[4 + i] = static_cast<uint8_t>(body >> (24 - 8 * i));
      auto r = decode(cut);
      const bool payload_type = std::holds_alternative<send>(s.f) || std::holds_alternative<deliver>(s.f);
      if (!r) {
        EXPECT_EQ(r.error().code(), RA_INVALID_ARGUMENT) << r.error().to_string();
        continue;
      }
      EXPECT_TRUE(payload_type) << "a " << n << "-byte cut decoded";
      EXPECT_EQ(encode(*r).value(), cut);
    }
  }
}

// Every value at every position of every sample: whatever decodes is a well-formed frame whose
// encoding is exactly the bytes it came from (one encoding per frame); the rest is refused with a
// code that selects a close. Under ASan/UBSan this is also the out-of-bounds check.
TEST(wire_frame, every_single_byte_corruption_is_rejected_or_well_formed) {
  size_t accepted = 0, rejected = 0;
  for (const auto &s : samples()) {
    SCOPED_TRACE(s.name);
    const auto bytes = encode(s.f).value();
    for (size_t pos = 0; pos < bytes.size(); ++pos) {
      for (int v = 0; v < 256; ++v) {
        if (v == bytes[pos]) continue;
        auto mutated = bytes;
        mutated[pos] = static_cast<uint8_t>(v);
        auto r = decode(mutated);
        if (!r) {
          ++rejected;
          const ra_status c = r.error().code();
          ASSERT_TRUE(c == RA_INVALID_ARGUMENT || c == RA_UNIMPLEMENTED) << r.error().to_string();
          // Magic and version are "not spoken here"; a wrong body length is a malformed frame.
          const ra_status want = pos <= 2 ? RA_UNIMPLEMENTED : RA_INVALID_ARGUMENT;
          if (pos <= 2 || (pos >= 4 && pos < k_header_size)) {
            ASSERT_EQ(c, want) << "position " << pos;
          }
          continue;
        }
        ++accepted;
        auto again = encode(*r);
        ASSERT_TRUE(again.is_ok()) << again.error().to_string();
        ASSERT_EQ(*again, mutated) << "position " << pos << " value " << v;
        ASSERT_TRUE(decode(*again).value() == *r);
      }
    }
  }
  EXPECT_GT(accepted, 0u);  // e.g. payload bytes, nonces, rates, ping <-> pong
  EXPECT_GT(rejected, 0u);
  RecordProperty("accepted", static_cast<int>(accepted));
  RecordProperty("rejected", static_cast<int>(rejected));
}

TEST(wire_frame, unknown_magic_version_and_type_close_with_1002) {
  struct bad {
    const char *name;
    std::vector<uint8_t> bytes;
    const char *reason_has;
  };
  auto ping_with = [](size_t pos, uint8_t v) {
    auto b = encode(ping{1}).value();
    b[pos] = v;
    return b;
  };
  const std::vector<bad> cases = {
      {"version 0", ping_with(2, 0), "version 0"},
      {"version 2", ping_with(2, 2), "version 2"},
      {"version 255", ping_with(2, 255), "version 255"},
      {"type 0", ping_with(3, 0), "frame type 0"},
      {"type 12", ping_with(3, 12), "frame type 12"},
      {"type 255", ping_with(3, 255), "frame type 255"},
      {"bad magic", ping_with(0, 'r'), "not a remote-agents relay frame"},
      {"bad second magic byte", ping_with(1, 'B'), "not a remote-agents relay frame"},
      // The reference's protobuf ClientMessage.auth starts with field 1, wire type 2.
      {"reference protobuf auth", from_hex("0a0c0a04726f6f6d1204746f6b6e"), "not a remote-agents relay frame"},
      {"JSON text", std::vector<uint8_t>{'{', '}'}, "not a remote-agents relay frame"},
      {"one wrong byte", std::vector<uint8_t>{0x0a}, "not a remote-agents relay frame"},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.name);
    auto r = decode(c.bytes);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.error().code(), RA_UNIMPLEMENTED);
    auto close = close_for(r.error());
    EXPECT_EQ(close.code, 1002);
    EXPECT_NE(close.reason.find(c.reason_has), std::string::npos) << close.reason;
    EXPECT_LE(close.reason.size(), k_max_text);
  }
}

TEST(wire_frame, malformed_bodies_close_with_1007) {
  struct bad {
    const char *name;
    std::string hex;
  };
  const std::string room_resume = std::string(64, '0') + std::string(32, '0');
  // clang-format off
  const std::vector<bad> cases = {
      {"empty", ""},
      {"header only, 7 bytes", "52410108000000"},
      {"body length too small", "5241" "01" "08" "00000007" "0102030405060708"},
      {"body length too large", "5241" "01" "08" "00000009" "0102030405060708"},
      {"trailing byte after ping", "5241" "01" "08" "00000009" "0102030405060708" "00"},
      {"trailing byte after peer_left", "5241" "01" "05" "00000005" "02" "7032" "02" "00"},
      {"hello min version 0", "5241" "01" "01" "00000034" "00" "01" + room_resume + "00" "00"},
      {"hello min above max", "5241" "01" "01" "00000034" "02" "01" + room_resume + "00" "00"},
      {"hello id with space", "5241" "01" "01" "00000036" "01" "01" + room_resume + "02" "7020" "00"},
      {"hello id length 65", "5241" "01" "01" "00000075" "01" "01" + room_resume + "41" + std::string(130, '6') + "00"},
      {"hello token past end", "5241" "01" "01" "00000035" "01" "01" + room_resume + "00" "05" "61"},
      {"welcome empty id", "5241" "01" "02" "00000015" "00" "00100000" "0400" "00000000" "00000000" "00000000" "0000"},
      {"welcome max_frame below 4096",
       "5241" "01" "02" "00000017" "02" "7031" "00000fff" "0001" "00000000" "00000000" "00000000" "0000"},
      {"welcome max_frame above 64 MiB",
       "5241" "01" "02" "00000017" "02" "7031" "04000001" "0001" "00000000" "00000000" "00000000" "0000"},
      {"welcome max_peers 0",
       "5241" "01" "02" "00000017" "02" "7031" "00100000" "0000" "00000000" "00000000" "00000000" "0000"},
      {"welcome max_peers above cap",
       "5241" "01" "02" "00000017" "02" "7031" "00100000" "2001" "00000000" "00000000" "00000000" "0000"},
      {"welcome roster cannot fit max_frame",  // 1024 peers need ~66 KiB
       "5241" "01" "02" "00000017" "02" "7031" "00001000" "0400" "00000000" "00000000" "00000000" "0000"},
      {"welcome lists itself",
       "5241" "01" "02" "0000001a" "02" "7031" "00100000" "0400" "00000000" "00000000" "00000000" "0001" "02" "7031"},
      {"welcome lists a peer twice",
       "5241" "01" "02" "0000001d" "02" "7031" "00100000" "0400" "00000000" "00000000" "00000000" "0002" "02"
       "7032" "02" "7032"},
      {"welcome more peers than the room holds",
       "5241" "01" "02" "0000001a" "02" "7031" "00001000" "0001" "00000000" "00000000" "00000000" "0001" "02" "7032"},
      {"welcome count larger than the frame",
       "5241" "01" "02" "00000017" "02" "7031" "00100000" "0400" "00000000" "00000000" "00000000" "03ff"},
      {"join_refused code 0", "5241" "01" "03" "00000003" "0000" "00"},
      {"join_refused text with newline", "5241" "01" "03" "00000005" "0003" "02" "610a"},
      {"join_refused text of 124 bytes", "5241" "01" "03" "0000007f" "0003" "7c" + std::string(248, '6')},
      {"peer_joined empty id", "5241" "01" "04" "00000001" "00"},
      {"peer_joined id with DEL", "5241" "01" "04" "00000002" "01" "7f"},
      {"peer_left missing reason", "5241" "01" "05" "00000003" "02" "7032"},
      {"send recipient empty id", "5241" "01" "06" "00000003" "0001" "00"},
      {"send recipient twice", "5241" "01" "06" "00000008" "0002" "02" "7032" "02" "7032"},
      {"send count without ids", "5241" "01" "06" "00000002" "0005"},
      {"deliver empty sender", "5241" "01" "07" "00000002" "00" "78"},
      {"ping short nonce", "5241" "01" "08" "00000007" "01020304050607"},
      {"error code 0", "5241" "01" "0a" "00000004" "0000" "00" "00"},
      {"error id with NUL", "5241" "01" "0a" "00000005" "0001" "01" "00" "00"},
      {"bye code 1005", "5241" "01" "0b" "00000003" "03ed" "00"},
      {"bye code 999", "5241" "01" "0b" "00000003" "03e7" "00"},
      {"bye code 5000", "5241" "01" "0b" "00000003" "1388" "00"},
  };
  // clang-format on
  for (const auto &c : cases) {
    SCOPED_TRACE(c.name);
    auto r = decode(from_hex(c.hex));
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.error().code(), RA_INVALID_ARGUMENT) << r.error().to_string();
    EXPECT_EQ(close_for(r.error()).code, 1007);
  }
}

TEST(wire_frame, encode_refuses_what_decode_refuses) {
  const std::string long_id(k_max_peer_id + 1, 'x');
  const std::string long_text(k_max_text + 1, 't');
  const std::vector<uint8_t> long_token(k_max_token + 1, 1);
  hello bad_range;
  bad_range.min_version = 2;
  bad_range.max_version = 1;
  hello long_token_hello;
  long_token_hello.access_token = long_token;
  const std::vector<std::pair<const char *, frame>> cases = {
      {"hello empty range", bad_range},
      {"hello long token", long_token_hello},
      {"welcome no id", welcome{"", 1048576, 16, 0, 0, 0, {}}},
      {"welcome lists itself", welcome{"a", 1048576, 16, 0, 0, 0, {"a"}}},
      {"join_refused text with tab", join_refused{refusal::busy, "a\tb"}},
      {"join_refused long text", join_refused{refusal::busy, long_text}},
      {"peer_joined long id", peer_joined{long_id}},
      {"peer_left empty id", peer_left{"", leave_reason::bye}},
      {"send duplicate", send{{"a", "b", "a"}, {}}},
      {"send bad id", send{{"a b"}, {}}},
      {"deliver empty from", deliver{"", {}}},
      {"error code 0", error{static_cast<error_code>(0), "", ""}},
      {"bye 1006 (must not be sent)", bye{1006, ""}},
  };
  for (const auto &[name, f] : cases) {
    SCOPED_TRACE(name);
    std::vector<uint8_t> out = {1, 2, 3};
    auto s = encode_to(f, out);
    EXPECT_EQ(s.code(), RA_INVALID_ARGUMENT) << s.to_string();
    EXPECT_EQ(out, (std::vector<uint8_t>{1, 2, 3}));  // unchanged on error
  }
}

TEST(wire_frame, oversize_frames_close_with_1009) {
  const limits lim = small_limits();
  // Any message longer than max_frame is refused before it is looked at.
  std::vector<uint8_t> big(lim.max_frame + 1, 0x52);
  auto r = decode(big, lim);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error().code(), RA_RESOURCE_EXHAUSTED);
  EXPECT_EQ(close_for(r.error()).code, 1009);

  // Payloads up to max_payload pass in both directions; one byte more does not.
  std::vector<uint8_t> payload(max_payload(lim));
  const std::string longest_id(k_max_peer_id, 'z');
  auto d = encode(deliver{longest_id, payload}, lim);
  ASSERT_TRUE(d.is_ok()) << d.error().to_string();
  EXPECT_EQ(d->size(), lim.max_frame);  // the worst-case deliver fills the frame exactly
  EXPECT_TRUE(decode(*d, lim).is_ok());
  auto s = encode(send{{}, payload}, lim);
  ASSERT_TRUE(s.is_ok());
  EXPECT_TRUE(decode(*s, lim).is_ok());

  payload.push_back(0);
  EXPECT_EQ(encode(send{{}, payload}, lim).error().code(), RA_RESOURCE_EXHAUSTED);
  EXPECT_EQ(encode(deliver{"a", payload}, lim).error().code(), RA_RESOURCE_EXHAUSTED);
  // A send whose payload is too big is refused even when the frame itself would fit.
  auto sent = encode(send{{}, payload}, limits{lim.max_frame * 2, 16}).value();
  ASSERT_LE(sent.size(), lim.max_frame);
  auto refused = decode(sent, lim);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error().code(), RA_RESOURCE_EXHAUSTED);
  EXPECT_EQ(close_for(refused.error()).code, 1009);
}

TEST(wire_frame, encode_refuses_frames_over_max_frame) {
  // A welcome is not capped by max_payload, only by the frame limit.
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.push_back(std::string(60, 'a') + std::to_string(1000 + i));
  welcome w{"me", 1048576, 1024, 0, 0, 0, {}};
  for (const auto &id : ids) w.peers.push_back(id);
  EXPECT_EQ(encode(w, limits{k_min_frame_limit, 1024}).error().code(), RA_RESOURCE_EXHAUSTED);
  EXPECT_TRUE(encode(w, limits{}).is_ok());
}

TEST(wire_frame, id_lists_respect_max_peers) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back("peer-" + std::to_string(i));
  send s;
  for (const auto &id : ids) s.to.push_back(id);
  const limits lim{1048576, 20};
  auto bytes = encode(s, lim);
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_TRUE(decode(*bytes, lim).is_ok());
  auto r = decode(*bytes, limits{1048576, 19});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error().code(), RA_INVALID_ARGUMENT);
  EXPECT_EQ(encode(s, limits{1048576, 19}).error().code(), RA_INVALID_ARGUMENT);

  // Duplicates are found in long lists too (the sorted path).
  s.to.push_back("peer-7");
  EXPECT_EQ(encode(s, limits{1048576, 100}).error().code(), RA_INVALID_ARGUMENT);

  welcome w{"me", 1048576, 21, 0, 0, 0, {}};
  for (const auto &id : ids) w.peers.push_back(id);
  EXPECT_TRUE(decode(encode(w, lim).value(), lim).is_ok());
  EXPECT_FALSE(decode(encode(w, lim).value(), limits{1048576, 19}).is_ok());
}

TEST(wire_frame, largest_room_roster_fits_the_default_frame) {
  std::vector<std::string> ids;
  welcome w{std::string_view(), 1048576, static_cast<uint16_t>(k_max_peers_cap), 0, 0, 0, {}};
  const std::string me(k_max_peer_id, '-');
  w.peer_id = me;
  for (size_t i = 0; i + 1 < k_max_peers_cap; ++i) {
    std::string id = std::to_string(i);
    ids.push_back(std::string(k_max_peer_id - id.size(), 'x') + id);
  }
  for (const auto &id : ids) w.peers.push_back(id);
  auto bytes = encode(w);
  ASSERT_TRUE(bytes.is_ok()) << bytes.error().to_string();
  EXPECT_EQ(bytes->size(), max_welcome_size(k_max_peers_cap - 1));
  auto back = decode(*bytes);
  ASSERT_TRUE(back.is_ok()) << back.error().to_string();
  EXPECT_EQ(std::get<welcome>(*back).peers.size(), k_max_peers_cap - 1);
}

TEST(wire_frame, largest_hello_is_k_max_hello_frame) {
  const std::string id(k_max_peer_id, 'i');
  const std::vector<uint8_t> token(k_max_token, 't');
  hello h;
  h.peer_id = id;
  h.access_token = token;
  auto bytes = encode(h, limits{k_min_frame_limit, 1});
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_EQ(bytes->size(), k_max_hello_frame);
}

TEST(wire_frame, codes_this_build_does_not_name_survive_a_round_trip) {
  const std::vector<frame> frames = {
      join_refused{static_cast<refusal>(999), "new"}, error{static_cast<error_code>(4242), "", ""},
      peer_left{"p", static_cast<leave_reason>(200)}, bye{4999, ""}, hello{1, 200, {}, {}, "", {}}};
  for (const auto &f : frames) {
    auto bytes = encode(f).value();
    auto back = decode(bytes);
    ASSERT_TRUE(back.is_ok()) << back.error().to_string();
    EXPECT_TRUE(*back == f);
  }
  EXPECT_STREQ(refusal_name(static_cast<refusal>(999)), "unknown");
  EXPECT_STREQ(error_code_name(static_cast<error_code>(4242)), "unknown");
}

TEST(wire_frame, directions) {
  for (uint8_t t = 1; t <= k_max_type; ++t) {
    const auto type = static_cast<frame_type>(t);
    SCOPED_TRACE(type_name(type));
    EXPECT_TRUE(peer_may_send(type) || relay_may_send(type));
    const bool both = type == frame_type::ping || type == frame_type::pong || type == frame_type::bye;
    EXPECT_EQ(peer_may_send(type) && relay_may_send(type), both);
  }
  EXPECT_TRUE(peer_may_send(frame_type::send));
  EXPECT_FALSE(peer_may_send(frame_type::deliver));
  EXPECT_FALSE(relay_may_send(frame_type::hello));
  EXPECT_STREQ(type_name(static_cast<frame_type>(0)), "unknown");
}

TEST(wire_frame, validate_limits) {
  EXPECT_TRUE(validate(limits{}).is_ok());
  EXPECT_TRUE(validate(limits{k_min_frame_limit, 1}).is_ok());
  EXPECT_TRUE(validate(limits{k_max_frame_cap, k_max_peers_cap}).is_ok());
  EXPECT_FALSE(validate(limits{k_min_frame_limit - 1, 1}).is_ok());
  EXPECT_FALSE(validate(limits{k_max_frame_cap + 1, 1}).is_ok());
  EXPECT_FALSE(validate(limits{k_default_max_frame, 0}).is_ok());
  EXPECT_FALSE(validate(limits{k_default_max_frame, k_max_peers_cap + 1}).is_ok());
  EXPECT_FALSE(validate(limits{k_min_frame_limit, 1024}).is_ok());  // the roster would not fit
  EXPECT_EQ(max_payload(limits{}), k_default_max_frame - k_max_deliver_overhead);
}

}  // namespace
}  // namespace ra::wire
