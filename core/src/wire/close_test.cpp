// Tests of the close-code mapping (close.hpp): the table in relay/PROTOCOL.md "Close codes".
#include "wire/close.hpp"

#include <gtest/gtest.h>

namespace ra::wire {
namespace {

TEST(wire_close, decode_errors_map_to_1009_1002_1007) {
  EXPECT_EQ(close_for(status(RA_RESOURCE_EXHAUSTED, "too big")).code, 1009);
  EXPECT_EQ(close_for(status(RA_UNIMPLEMENTED, "version 9")).code, 1002);
  EXPECT_EQ(close_for(invalid_argument("bad id")).code, 1007);
  EXPECT_EQ(close_for(invalid_argument("bad id")).reason, "bad id");
}

TEST(wire_close, refusals) {
  struct row {
    refusal r;
    uint16_t code;
  };
  const row rows[] = {
      {refusal::unsupported_version, 1002},
      {refusal::unauthorized, 1008},
      {refusal::room_full, 1013},
      {refusal::too_many_rooms, 1013},
      {refusal::room_mismatch, 1008},
      {refusal::peer_id_in_use, 1008},
      {refusal::busy, 1013},
      {refusal::shutting_down, 1001},
      {static_cast<refusal>(77), 1008},
  };
  for (const auto &x : rows) {
    SCOPED_TRACE(refusal_name(x.r));
    EXPECT_TRUE(valid_close_code(x.code));
    EXPECT_EQ(close_for(join_refused{x.r, "why"}).code, x.code);
    EXPECT_EQ(close_for(join_refused{x.r, "why"}).reason, "why");
  }
  EXPECT_EQ(close_for(join_refused{refusal::room_full, ""}).reason, "room_full");
}

TEST(wire_close, reasons_fit_a_close_frame) {
  const std::string long_message(300, 'm');
  EXPECT_EQ(close_for(invalid_argument(long_message)).reason.size(), k_max_text);
  EXPECT_EQ(clip_reason("a\nb\x80"), "a?b?");
  EXPECT_TRUE(valid_text(clip_reason(std::string(200, '\x01'))));
}

TEST(wire_close, retry_policy) {
  for (uint16_t c : {1000, 1001, 1006, 1011, 1012, 1013, 1014, 4001}) EXPECT_EQ(retry_after(c), retry::backoff) << c;
  for (uint16_t c : {1002, 1003, 1007, 1008, 1009}) EXPECT_EQ(retry_after(c), retry::slow) << c;
  EXPECT_EQ(retry_after(4000), retry::none);
}

TEST(wire_close, valid_close_codes) {
  for (uint16_t c : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1013, 3000, 4000, 4999}) {
    EXPECT_TRUE(valid_close_code(c)) << c;
  }
  for (uint16_t c : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) EXPECT_FALSE(valid_close_code(c)) << c;
}

}  // namespace
}  // namespace ra::wire
