#include "plugin_host/schema.hpp"

#include <gtest/gtest.h>

#include "util/json.hpp"

namespace ra::plugin_host {
namespace {

const char *exec_like = R"({"type":"object","properties":{
  "command":{"type":"string","minLength":1},
  "timeout_ms":{"type":"integer","minimum":1},
  "mode":{"type":"string","enum":["a","b"]},
  "env":{"type":"object","additionalProperties":{"type":"string"}}},
  "required":["command"],"additionalProperties":false})";

status check(const char *schema, const char *args) {
  auto s = compiled_schema::compile(schema);
  EXPECT_TRUE(s.is_ok()) << s.error().message();
  rapidjson::Document d;
  EXPECT_TRUE(json::parse(args, d).is_ok());
  return (*s)->validate(d);
}

TEST(SchemaTest, RejectsMalformedSchemas) {
  struct {
    const char *schema;
    const char *expect;
  } cases[] = {
      {"{", "schema: invalid JSON"},
      {"[]", "not an object"},
      {R"({"type":"string"})", "\"type\": \"object\""},
      {R"({"properties":{}})", "\"type\": \"object\""},
      {R"({"type":"object","properties":[]})", "\"properties\" must be an object"},
      {R"({"type":"object","properties":{"a":5}})", "property 'a' must be an object"},
      {R"({"type":"object","properties":{"a":{"type":7}}})", "malformed \"type\""},
      {R"({"type":"object","required":"a"})", "\"required\" must be an array"},
      {R"({"type":"object","required":[1]})", "\"required\" must be an array"},
  };
  for (auto &c : cases) {
    auto s = compiled_schema::compile(c.schema);
    ASSERT_FALSE(s.is_ok()) << c.schema;
    EXPECT_NE(s.error().message().find(c.expect), std::string::npos) << c.schema << " → " << s.error().message();
  }
}

TEST(SchemaTest, AcceptsValidArguments) {
  EXPECT_TRUE(check(exec_like, R"({"command":"ls"})").is_ok());
  EXPECT_TRUE(check(exec_like, R"({"command":"ls","timeout_ms":5,"mode":"a","env":{"A":"b"}})").is_ok());
}

TEST(SchemaTest, ExplainsViolations) {
  struct {
    const char *args;
    const char *expect;
  } cases[] = {
      {R"({})", "missing required argument 'command'"},
      {R"({"command":5})", "/command: must be of type"},
      {R"({"command":""})", "/command: violates \"minLength\""},
      {R"({"command":"x","timeout_ms":0})", "/timeout_ms: violates \"minimum\" 1"},
      {R"({"command":"x","timeout_ms":1.5})", "/timeout_ms: must be of type"},
      {R"({"command":"x","mode":"c"})", "/mode: must be one of [\"a\",\"b\"]"},
      {R"({"command":"x","colour":"red"})", "unknown argument 'colour'"},
      {R"({"command":"x","env":{"A":1}})", "/env/A: must be of type"},
      {R"([1])", "must be a JSON object, got array"},
  };
  for (auto &c : cases) {
    auto st = check(exec_like, c.args);
    ASSERT_FALSE(st.is_ok()) << c.args;
    EXPECT_EQ(st.code(), RA_INVALID_ARGUMENT);
    EXPECT_NE(st.message().find(c.expect), std::string::npos) << c.args << " → " << st.message();
  }
}

TEST(SchemaTest, ListsPropertyNames) {
  auto s = compiled_schema::compile(exec_like);
  ASSERT_TRUE(s.is_ok());
  auto names = (*s)->property_names();
  EXPECT_EQ(names, (std::vector<std::string>{"command", "timeout_ms", "mode", "env"}));
}

}  // namespace
}  // namespace ra::plugin_host
