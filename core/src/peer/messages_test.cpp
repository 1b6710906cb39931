#include "peer/messages.hpp"

#include <gtest/gtest.h>

namespace ra::peer {
namespace {

TEST(PeerMessages, RequestRoundTrips) {
  request_msg m;
  m.id = new_request_id();
  m.expires_at_ms = 1234567890123;
  m.tool = "exec";
  m.args_json = R"({"command":"echo hi"})";
  m.timeout_ms = 5000;
  m.caller = "laptop";
  auto back = decode_request(encode(m));
  ASSERT_TRUE(back.is_ok()) << back.error().message();
  EXPECT_EQ(back->id, m.id);
  EXPECT_EQ(back->expires_at_ms, m.expires_at_ms);
  EXPECT_EQ(back->tool, "exec");
  EXPECT_EQ(back->args_json, m.args_json);
  EXPECT_EQ(back->timeout_ms, 5000);
  EXPECT_EQ(back->caller, "laptop");
}

TEST(PeerMessages, ReplyCarriesRawResult) {
  reply_msg r;
  r.id = new_request_id();
  r.outcome = "denied";
  r.status = 7;
  r.result_json = R"({"stdout":"a\nb","n":[1,2]})";
  r.message = "plan mode refuses writes";
  r.duration_ms = 42;
  auto back = decode_reply(encode(r));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->outcome, "denied");
  EXPECT_EQ(back->status, 7);
  EXPECT_EQ(back->result_json, r.result_json);
  EXPECT_EQ(back->message, r.message);
  EXPECT_EQ(back->duration_ms, 42);
}

TEST(PeerMessages, InfoPartialControlRoundTrip) {
  info_msg i{R"({"id":"a","name":"web-1"})", R"([{"name":"exec"}])", true};
  auto ib = decode_info(encode(i));
  ASSERT_TRUE(ib.is_ok());
  EXPECT_EQ(ib->info_json, i.info_json);
  EXPECT_EQ(ib->tools_json, i.tools_json);
  EXPECT_TRUE(ib->reply_wanted);
  partial_msg p{new_request_id(), R"({"stream":"stdout","data":"x"})"};
  auto pb = decode_partial(encode(p));
  ASSERT_TRUE(pb.is_ok());
  EXPECT_EQ(pb->data_json, p.data_json);
  control_msg c{"cancel", new_request_id()};
  auto cb = decode_control(encode(c));
  ASSERT_TRUE(cb.is_ok());
  EXPECT_EQ(cb->id, c.id);
}

TEST(PeerMessages, MalformedBodiesNameTheField) {
  EXPECT_FALSE(decode_request("not json").is_ok());
  EXPECT_FALSE(decode_request("[]").is_ok());
  auto bad_id = decode_request(R"({"id":"xyz","expires_at_ms":1,"tool":"exec","args":{}})");
  ASSERT_FALSE(bad_id.is_ok());
  EXPECT_NE(bad_id.error().message().find("'id'"), std::string::npos);
  std::string id = new_request_id();
  auto no_args = decode_request(R"({"id":")" + id + R"(","expires_at_ms":1,"tool":"exec","args":[]})");
  ASSERT_FALSE(no_args.is_ok());
  EXPECT_NE(no_args.error().message().find("'args'"), std::string::npos);
  auto neg = decode_request(R"({"id":")" + id + R"(","expires_at_ms":1,"tool":"exec","args":{},"timeout_ms":-1})");
  EXPECT_FALSE(neg.is_ok());
  EXPECT_FALSE(decode_control(R"({"type":"explode","id":")" + id + R"("})").is_ok());
  EXPECT_FALSE(decode_info(R"({"info":{},"tools":{}})").is_ok());
  EXPECT_FALSE(decode_reply(R"({"id":")" + id + R"(","outcome":"ok","status":"0"})").is_ok());
}

TEST(PeerMessages, EventsRoundTripAndRefuseBadTopicsAndBodies) {
  event_msg e;
  e.topic = "task.finished";
  e.data_json = R"({"task_id":"t-1","state":"done"})";
  auto back = decode_event(encode(e));
  ASSERT_TRUE(back.is_ok()) << back.error().message();
  EXPECT_EQ(back->topic, e.topic);
  EXPECT_EQ(back->data_json, e.data_json);

  for (const char *t : {"", ".task", "Task", "task finished", "task/x", "-x", "t\u00e9"})
    EXPECT_FALSE(decode_event(std::string(R"({"topic":")") + t + R"(","data":{}})").is_ok()) << t;
  EXPECT_FALSE(decode_event(std::string(R"({"topic":")") + std::string(65, 'a') + R"(","data":{}})").is_ok());
  EXPECT_TRUE(decode_event(std::string(R"({"topic":")") + std::string(64, 'a') + R"(","data":{}})").is_ok());
  EXPECT_FALSE(decode_event(R"({"topic":"x","data":[]})").is_ok());  // data must be an object
  EXPECT_FALSE(decode_event(R"({"topic":"x"})").is_ok());
  auto big = decode_event(R"({"topic":"x","data":{"s":")" + std::string(k_event_max_bytes, 'x') + R"("}})");
  ASSERT_FALSE(big.is_ok());
  EXPECT_NE(big.error().message().find("'data'"), std::string::npos);
}

TEST(PeerMessages, RequestIdsAreRandomHex) {
  auto a = new_request_id(), b = new_request_id();
  EXPECT_TRUE(valid_request_id(a));
  EXPECT_NE(a, b);
  EXPECT_FALSE(valid_request_id("ABCDEF0123456789ABCDEF0123456789"));
  EXPECT_FALSE(valid_request_id(a.substr(1)));
}

}  // namespace
}  // namespace ra::peer
