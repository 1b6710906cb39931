#include "crypto/envelope.hpp"

#include <gtest/gtest.h>

#include "crypto/test_support.hpp"

namespace ra::crypto {
namespace {

using testing::hex;

session_salt counting_salt() {
  session_salt s{};
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<uint8_t>(i);
  return s;
}

envelope_header sample_header() {
  envelope_header h;
  h.kind = frame_kind::request;
  h.sender = "peer-a";
  h.recipient = "peer-b";
  h.salt = counting_salt();
  h.sequence = 7;
  return h;
}

// The header of testdata/make_vectors.py's "frame a->b": the byte table in envelope.hpp.
constexpr std::string_view k_sample_header_hex =
    "02"                                // version
    "01"                                // kind = request
    "00"                                // flags
    "06"                                // sender length
    "706565722d61"                      // sender "peer-a"
    "06"                                // recipient length
    "706565722d62"                      // recipient "peer-b"
    "000102030405060708090a0b0c0d0e0f"  // session salt
    "0000000000000007"                  // sequence 7
    "00";                               // no signature

TEST(envelope, header_layout_is_pinned) {
  std::vector<uint8_t> out;
  ASSERT_TRUE(encode_header(sample_header(), out).is_ok());
  EXPECT_EQ(to_hex(out), k_sample_header_hex);
  EXPECT_EQ(out.size(), header_size(sample_header()));
}

TEST(envelope, round_trip_of_every_field) {
  envelope_header h = sample_header();
  h.kind = frame_kind::control;
  h.flags = 0xa5;
  h.recipient = "";
  h.sequence = 0x0102030405060708ULL;
  std::vector<uint8_t> frame;
  ASSERT_TRUE(encode_header(h, frame).is_ok());
  frame.insert(frame.end(), 20, 0xee);  // 4 bytes of "ciphertext" + a 16-byte "tag"

  auto v = parse_envelope(frame);
  ASSERT_TRUE(v.is_ok()) << v.error().to_string();
  EXPECT_EQ(v->header.kind, frame_kind::control);
  EXPECT_EQ(v->header.flags, 0xa5);
  EXPECT_EQ(v->header.sender, "peer-a");
  EXPECT_EQ(v->header.recipient, "");
  EXPECT_EQ(v->header.salt, counting_salt());
  EXPECT_EQ(v->header.sequence, 0x0102030405060708ULL);
  EXPECT_TRUE(v->header.signature.empty());
  EXPECT_EQ(v->header_bytes.size(), header_size(h));
  EXPECT_EQ(v->sealed.size(), 20u);
  // The views point into the frame: nothing was copied.
  EXPECT_EQ(v->header_bytes.data(), frame.data());
  EXPECT_EQ(v->sealed.data(), frame.data() + header_size(h));
}

TEST(envelope, largest_header_round_trips) {
  const std::string sender(k_max_peer_id, 's'), recipient(k_max_peer_id, 'r');
  const std::vector<uint8_t> sig(k_max_signature, 0x51);
  envelope_header h = sample_header();
  h.sender = sender;
  h.recipient = recipient;
  h.signature = sig;
  std::vector<uint8_t> frame;
  ASSERT_TRUE(encode_header(h, frame).is_ok());
  EXPECT_EQ(frame.size(), k_max_header);
  frame.resize(frame.size() + k_gcm_tag_size);
  auto v = parse_envelope(frame);
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v->header.signature.size(), k_max_signature);
}

TEST(envelope, encode_refuses_out_of_range_fields) {
  std::vector<uint8_t> out;
  const std::string long_id(k_max_peer_id + 1, 'x');
  const std::vector<uint8_t> long_sig(k_max_signature + 1);
  struct bad {
    const char *name;
    envelope_header h;
  };
  std::vector<bad> cases;
  auto add = [&](const char *name, auto mutate) {
    envelope_header h = sample_header();
    mutate(h);
    cases.push_back({name, h});
  };
  add("empty sender", [](envelope_header &h) { h.sender = ""; });
  add("long sender", [&](envelope_header &h) { h.sender = long_id; });
  add("long recipient", [&](envelope_header &h) { h.recipient = long_id; });
  add("space in sender", [](envelope_header &h) { h.sender = "peer a"; });
  add("control char in recipient", [](envelope_header &h) { h.recipient = "peer\n"; });
  add("non-ascii sender", [](envelope_header &h) { h.sender = "p\xc3\xa9"; });
  add("kind 0", [](envelope_header &h) { h.kind = static_cast<frame_kind>(0); });
  add("kind 7", [](envelope_header &h) { h.kind = static_cast<frame_kind>(7); });
  add("long signature", [&](envelope_header &h) { h.signature = long_sig; });
  for (const auto &c : cases) {
    SCOPED_TRACE(c.name);
    out.clear();
    EXPECT_EQ(encode_header(c.h, out).code(), RA_INVALID_ARGUMENT);
  }
}

// Table of malformed frames: (name, hex, expected code).
struct malformed {
  const char *name;
  std::string frame_hex;
  ra_status code;
};

std::string tag_hex() { return std::string(32, 'e'); }

TEST(envelope, parse_rejects_malformed_frames) {
  const std::string salt_seq_nosig =
      "000102030405060708090a0b0c0d0e0f"
      "0000000000000007"
      "00";
  const std::vector<malformed> cases = {
      {"empty", "", RA_INVALID_ARGUMENT},
      {"version 1", "01" + std::string(k_sample_header_hex.substr(2)) + tag_hex(), RA_UNIMPLEMENTED},
      {"version 3", "03" + std::string(k_sample_header_hex.substr(2)) + tag_hex(), RA_UNIMPLEMENTED},
      {"version 0xff", "ff", RA_UNIMPLEMENTED},
      {"kind 0", "0200", RA_INVALID_ARGUMENT},
      {"kind 7", "0207", RA_INVALID_ARGUMENT},
      {"sender length 0",
       "02010000"
       "00" +
           salt_seq_nosig + tag_hex(),
       RA_INVALID_ARGUMENT},
      {"sender length 65", "02010041" + std::string(130, '6') + "00" + salt_seq_nosig + tag_hex(), RA_INVALID_ARGUMENT},
      {"sender with space",
       "02010002"
       "6120"
       "00" +
           salt_seq_nosig + tag_hex(),
       RA_INVALID_ARGUMENT},
      {"sender with NUL",
       "02010002"
       "6100"
       "00" +
           salt_seq_nosig + tag_hex(),
       RA_INVALID_ARGUMENT},
      {"recipient length 65",
       "02010001"
       "61"
       "41" +
           std::string(130, '6') + salt_seq_nosig + tag_hex(),
       RA_INVALID_ARGUMENT},
      {"recipient with DEL",
       "02010001"
       "61"
       "01"
       "7f" +
           salt_seq_nosig + tag_hex(),
       RA_INVALID_ARGUMENT},
      {"signature length 129",
       "02010001"
       "61"
       "00"
       "000102030405060708090a0b0c0d0e0f"
       "0000000000000007"
       "81" +
           std::string(258, '0') + tag_hex(),
       RA_INVALID_ARGUMENT},
      {"sender length past end",
       "02010040"
       "6161",
       RA_INVALID_ARGUMENT},
      {"no tag", std::string(k_sample_header_hex), RA_INVALID_ARGUMENT},
      {"tag one byte short", std::string(k_sample_header_hex) + std::string(30, 'e'), RA_INVALID_ARGUMENT},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.name);
    auto frame = hex(c.frame_hex);
    auto v = parse_envelope(frame);
    ASSERT_FALSE(v.is_ok());
    EXPECT_EQ(v.error().code(), c.code) << v.error().to_string();
    EXPECT_FALSE(v.error().message().empty());
  }
}

TEST(envelope, every_truncation_of_header_and_tag_is_rejected) {
  auto frame = hex(std::string(k_sample_header_hex) + tag_hex());
  ASSERT_TRUE(parse_envelope(frame).is_ok());
  for (size_t n = 0; n < frame.size(); ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(parse_envelope(std::span(frame).first(n)).error().code(), RA_INVALID_ARGUMENT);
  }
}

TEST(envelope, frame_limit_is_enforced_before_parsing) {
  std::vector<uint8_t> frame = hex(std::string(k_sample_header_hex) + tag_hex());
  frame.resize(4096);
  EXPECT_TRUE(parse_envelope(frame, 4096).is_ok());
  EXPECT_EQ(parse_envelope(frame, 4095).error().code(), RA_RESOURCE_EXHAUSTED);
  std::vector<uint8_t> huge(k_default_max_frame + 1);
  EXPECT_EQ(parse_envelope(huge).error().code(), RA_RESOURCE_EXHAUSTED);
}

TEST(envelope, frame_limit_validation) {
  EXPECT_TRUE(validate_frame_limit(k_default_max_frame).is_ok());
  EXPECT_FALSE(validate_frame_limit(k_min_frame).is_ok());
  EXPECT_FALSE(validate_frame_limit(k_max_frame_limit + 1).is_ok());
}

TEST(envelope, kind_names) {
  EXPECT_STREQ(kind_name(frame_kind::request), "request");
  EXPECT_STREQ(kind_name(frame_kind::control), "control");
  EXPECT_FALSE(is_known_kind(0));
  EXPECT_TRUE(is_known_kind(6));
}

}  // namespace
}  // namespace ra::crypto
