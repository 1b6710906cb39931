// Unit tests of the JSON endpoints (http_api.hpp) against a registry with fake peers.
#include "http_api.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "wire/routing_id.hpp"

namespace ra::relay {
namespace {

struct null_link : peer_link {
  bool push(shared_frame, bool) override { return true; }
  void close(uint16_t, std::string_view) override {}
};

rapidjson::Document parse(const std::string &body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body;
  return d;
}

class http_api_test : public ::testing::Test {
 protected:
  http_api_test() : rooms_(cfg_) {}

  void add(uint8_t room_fill, std::string_view id) {
    wire::hello h;
    h.room.fill(room_fill);
    h.peer_id = id;
    h.access_token = {reinterpret_cast<const uint8_t *>(cfg_.token.data()), cfg_.token.size()};
    auto out = rooms_.join(std::make_shared<null_link>(), h.room, h, std::chrono::steady_clock::now(), 1234);
    ASSERT_TRUE(std::holds_alternative<std::shared_ptr<member>>(out));
    members_.push_back(std::get<std::shared_ptr<member>>(out));
  }

  api_response get(std::string_view target, std::string_view auth = {}, std::string_view method = "GET") {
    return handle_api({method, target, auth}, rooms_, "9.9.9");
  }

  config cfg_;
  room_registry rooms_;
  std::vector<std::shared_ptr<member>> members_;
};

TEST_F(http_api_test, health) {
  add(2, "x");
  add(1, "y");
  add(1, "z");
  auto r = get("/health");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"status":"ok","service":"remote-agents-relay","version":"9.9.9","rooms":2,"peers":3})");
}

TEST_F(http_api_test, rooms_sorted_and_one_room) {
  add(2, "x");
  add(1, "z");
  add(1, "y");
  auto r = get("/api/rooms?pretty=no");
  ASSERT_EQ(r.status, 200u);
  auto d = parse(r.body);
  ASSERT_EQ(d["rooms"].Size(), 2u);
  wire::routing_id one, two;
  one.fill(1);
  two.fill(2);
  EXPECT_EQ(std::string(d["rooms"][0]["room"].GetString()), wire::to_hex(one));
  EXPECT_EQ(std::string(d["rooms"][1]["room"].GetString()), wire::to_hex(two));
  EXPECT_EQ(d["rooms"][0]["peers"].GetUint64(), 2u);
  EXPECT_EQ(d["rooms"][0]["created_at_ms"].GetInt64(), 1234);

  auto room = get("/api/room/" + wire::to_hex(one));
  ASSERT_EQ(room.status, 200u);
  auto rd = parse(room.body);
  ASSERT_EQ(rd["peers"].Size(), 2u);
  EXPECT_STREQ(rd["peers"][0]["peer_id"].GetString(), "y");
  EXPECT_STREQ(rd["peers"][1]["peer_id"].GetString(), "z");
  EXPECT_EQ(rd["peers"][0]["connected_at_ms"].GetInt64(), 1234);
  EXPECT_TRUE(rd["peers"][0].HasMember("frames_in"));
  EXPECT_TRUE(rd["peers"][0].HasMember("bytes_in"));
  EXPECT_TRUE(rd["peers"][0].HasMember("bytes_out"));
  // An upper-case id names the same room.
  std::string upper = wire::to_hex(one);
  for (char &c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(get("/api/room/" + upper).status, 200u);
}

TEST_F(http_api_test, errors) {
  wire::routing_id none;
  none.fill(7);
  EXPECT_EQ(get("/api/room/" + wire::to_hex(none)).status, 404u);
  EXPECT_EQ(get("/api/room/xyz").status, 400u);
  EXPECT_EQ(get("/").status, 404u);
  EXPECT_EQ(get("/api").status, 404u);
  auto post = get("/api/rooms", {}, "POST");
  EXPECT_EQ(post.status, 405u);
  EXPECT_TRUE(post.allow_get_only);
  EXPECT_EQ(parse(get("/nope").body)["error"].GetString(), std::string("not found"));
}

class gated_api_test : public http_api_test {
 protected:
  gated_api_test() { cfg_.token = "t0ken"; }
};

TEST_F(gated_api_test, api_needs_the_bearer_token_health_does_not) {
  add(1, "a");
  EXPECT_EQ(get("/health").status, 200u);
  for (std::string_view auth : {"", "Bearer", "Bearer ", "Bearer t0ke", "Bearer t0ken ", "Token t0ken"}) {
    auto r = get("/api/rooms", auth);
    EXPECT_EQ(r.status, 401u) << auth;
    EXPECT_TRUE(r.ask_for_credentials);
    EXPECT_EQ(r.body.find("t0ken"), std::string::npos);
  }
  EXPECT_EQ(get("/api/rooms", "Bearer t0ken").status, 200u);
  EXPECT_EQ(get("/api/rooms", "bearer t0ken").status, 200u);
}

}  // namespace
}  // namespace ra::relay
