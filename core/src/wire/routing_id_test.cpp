// Tests of the routing id's text form (routing_id.hpp).
#include "wire/routing_id.hpp"

#include <gtest/gtest.h>

namespace ra::wire {
namespace {

TEST(wire_routing_id, round_trips_as_64_lower_case_hex_digits) {
  routing_id id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i * 37 + 5);
  const std::string text = to_hex(id);
  EXPECT_EQ(text.size(), 64u);
  EXPECT_EQ(text.substr(0, 6), "052a4f");
  EXPECT_EQ(parse_routing_id(text), id);
}

TEST(wire_routing_id, upper_case_is_accepted) {
  auto id = parse_routing_id(std::string(64, 'F'));
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(to_hex(*id), std::string(64, 'f'));
}

TEST(wire_routing_id, anything_else_is_refused) {
  EXPECT_FALSE(parse_routing_id(""));
  EXPECT_FALSE(parse_routing_id(std::string(63, '0')));
  EXPECT_FALSE(parse_routing_id(std::string(65, '0')));
  EXPECT_FALSE(parse_routing_id(std::string(62, '0') + "0g"));
  EXPECT_FALSE(parse_routing_id(std::string(62, '0') + " 0"));
  EXPECT_FALSE(parse_routing_id("my-room" + std::string(57, '0')));
}

}  // namespace
}  // namespace ra::wire
