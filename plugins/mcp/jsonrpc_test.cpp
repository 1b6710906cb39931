// jsonrpc_test.cpp — unit tests of the MCP JSON-RPC codec: line splitting, parsing (ids, kinds,
// every error path, batches, depth and UTF-8 limits) and the output builders.
// Thread safety: single-threaded tests.
#include "jsonrpc.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace ra::mcp {
namespace {

// ---- line_splitter ------------------------------------------------------------------------------

struct split_result {
  std::vector<std::string> lines;
  int oversize = 0;
};

void feed(line_splitter &s, std::string_view bytes, split_result &r) {
  s.feed(
      bytes, [&](std::string_view line) { r.lines.emplace_back(line); }, [&] { ++r.oversize; });
}

split_result split_whole(std::string_view bytes, size_t max_line = 1024) {
  line_splitter s(max_line);
  split_result r;
  feed(s, bytes, r);
  return r;
}

using lines = std::vector<std::string>;

TEST(LineSplitterTest, SeveralMessagesInOneFeed) {
  line_splitter s(1024);
  split_result r;
  feed(s, "{\"a\":1}\n{\"b\":2}\n{\"c\"", r);
  EXPECT_EQ(r.lines, (lines{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(s.buffered(), 4u);
  feed(s, ":3}\n", r);
  EXPECT_EQ(r.lines.back(), "{\"c\":3}");
  EXPECT_EQ(s.buffered(), 0u);
  EXPECT_EQ(r.oversize, 0);
}

TEST(LineSplitterTest, ByteByByteMatchesWholeFeed) {
  const std::string input = "one\r\ntwo\n\n  \n\r\nthree\nfour\r\n\t\r\nfive";
  line_splitter s(1024);
  split_result r;
  for (char c : input) feed(s, std::string_view(&c, 1), r);
  EXPECT_EQ(r.lines, (lines{"one", "two", "three", "four"}));
  EXPECT_EQ(r.lines, split_whole(input).lines);
  EXPECT_EQ(s.buffered(), 4u);  // "five" waits for its newline
}

TEST(LineSplitterTest, StripsOneTrailingCarriageReturn) {
  EXPECT_EQ(split_whole("a\r\nb\r\r\n\r\n").lines, (lines{"a", "b\r"}));
  EXPECT_EQ(split_whole("a\rb\n").lines, (lines{"a\rb"}));  // only a trailing '\r' is special
}

TEST(LineSplitterTest, BlankLinesAreIgnored) {
  EXPECT_TRUE(split_whole("\n\n \n\t\t\n \r\n\r\n").lines.empty());
  EXPECT_EQ(split_whole(" x \n").lines, (lines{" x "}));  // other lines are passed on untrimmed
}

TEST(LineSplitterTest, LineOfExactlyMaxLineIsKept) {
  auto r = split_whole("12345\n123456\nok\n", 5);
  EXPECT_EQ(r.lines, (lines{"12345", "ok"}));
  EXPECT_EQ(r.oversize, 1);
  // The '\r' counts: the limit bounds what is buffered before the '\n' is seen.
  r = split_whole("1234\r\n12345\r\n", 5);
  EXPECT_EQ(r.lines, (lines{"1234"}));
  EXPECT_EQ(r.oversize, 1);
}

TEST(LineSplitterTest, OversizeLineThenGoodLine) {
  line_splitter s(8);
  split_result r;
  feed(s, "0123456", r);
  EXPECT_EQ(r.oversize, 0);
  EXPECT_EQ(s.buffered(), 7u);
  feed(s, "789", r);  // now 10 bytes without a newline: reported at once, memory released
  EXPECT_EQ(r.oversize, 1);
  EXPECT_EQ(s.buffered(), 0u);
  feed(s, std::string(100000, 'x'), r);
  EXPECT_EQ(r.oversize, 1);  // reported once per line
  EXPECT_EQ(s.buffered(), 0u);
  feed(s, "yyy\n{}\n", r);
  EXPECT_EQ(r.lines, (lines{"{}"}));
  feed(s, "toolongline\nok\n", r);
  EXPECT_EQ(r.oversize, 2);
  EXPECT_EQ(r.lines, (lines{"{}", "ok"}));
}

TEST(LineSplitterTest, OversizeByteByByteIsReportedOnce) {
  line_splitter s(4);
  split_result r;
  for (char c : std::string("abcdefghij\nabcd\n")) {
    feed(s, std::string_view(&c, 1), r);
    EXPECT_LE(s.buffered(), 4u);
  }
  EXPECT_EQ(r.oversize, 1);
  EXPECT_EQ(r.lines, (lines{"abcd"}));
}

// ---- parse_line: valid messages -----------------------------------------------------------------

message parse_one(std::string_view line) {
  parsed_line p = parse_line(line);
  EXPECT_FALSE(p.batch) << line;
  EXPECT_TRUE(p.errors.empty()) << line << ": " << (p.errors.empty() ? "" : p.errors[0].message);
  EXPECT_EQ(p.messages.size(), 1u) << line;
  return p.messages.empty() ? message{} : p.messages[0];
}

parse_error parse_bad(std::string_view line) {
  parsed_line p = parse_line(line);
  EXPECT_FALSE(p.batch) << line;
  EXPECT_TRUE(p.messages.empty()) << line;
  EXPECT_EQ(p.errors.size(), 1u) << line;
  return p.errors.empty() ? parse_error{} : p.errors[0];
}

TEST(ParseLineTest, RequestWithStringId) {
  message m = parse_one(R"({"jsonrpc":"2.0","id":"abc","method":"tools/list","params":{"cursor":"x"}})");
  EXPECT_EQ(m.kind, msg_kind::request);
  EXPECT_EQ(m.id_json, R"("abc")");
  EXPECT_EQ(m.method, "tools/list");
  EXPECT_EQ(m.params_json, R"({"cursor":"x"})");
  EXPECT_EQ(m.result_json, "");
  EXPECT_EQ(m.error_json, "");
}

TEST(ParseLineTest, IntegerIdsKeepTheirExactText) {
  for (const char *id : {"0", "7", "-1", "-0", "2147483648", "9007199254740993", "-9223372036854775808",
                         "18446744073709551615", "18446744073709551616", "123456789012345678901234567890"}) {
    message m = parse_one(std::string(R"({"jsonrpc":"2.0","method":"ping","id":)") + id + "}");
    EXPECT_EQ(m.kind, msg_kind::request) << id;
    EXPECT_EQ(m.id_json, id);
  }
}

TEST(ParseLineTest, StringIdsAreCompactJson) {
  EXPECT_EQ(parse_one(R"({"jsonrpc":"2.0","method":"m","id":""})").id_json, R"("")");
  EXPECT_EQ(parse_one(R"({"jsonrpc":"2.0","method":"m","id":"\u0061\"\n"})").id_json, R"("a\"\n")");
  EXPECT_EQ(parse_one("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\xC3\xA9\"}").id_json, "\"\xC3\xA9\"");
}

TEST(ParseLineTest, Notifications) {
  message m = parse_one(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(m.kind, msg_kind::notification);
  EXPECT_EQ(m.id_json, "");
  EXPECT_EQ(m.method, "notifications/initialized");
  EXPECT_EQ(m.params_json, "");
  m = parse_one(R"( { "method" : "n" , "params" : [ 1 , 2.50 , -0.0 , 1E+2 ] , "jsonrpc" : "2.0" } )");
  EXPECT_EQ(m.kind, msg_kind::notification);
  EXPECT_EQ(m.params_json, "[1,2.50,-0.0,1E+2]");  // whitespace dropped, numbers untouched
}

TEST(ParseLineTest, ParamsAreReserialisedCompactly) {
  message m = parse_one(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{ "name":"exec", "arguments":{"cmd":"a\tb\u0001\/","n":123456789012345678901234567890,"x":[true,false,null,{}] } }})");
  EXPECT_EQ(
      m.params_json,
      R"({"name":"exec","arguments":{"cmd":"a\tb\u0001/","n":123456789012345678901234567890,"x":[true,false,null,{}]}})");
  m = parse_one(R"({"jsonrpc":"2.0","id":1,"method":"m","params":[]})");
  EXPECT_EQ(m.params_json, "[]");
  m = parse_one(R"({"jsonrpc":"2.0","id":1,"method":"m","params":{}})");
  EXPECT_EQ(m.params_json, "{}");
}

TEST(ParseLineTest, Responses) {
  message m = parse_one(R"({"jsonrpc":"2.0","id":5,"result":{"roots":[{"uri":"file:///x"}]}})");
  EXPECT_EQ(m.kind, msg_kind::response);
  EXPECT_EQ(m.id_json, "5");
  EXPECT_EQ(m.result_json, R"({"roots":[{"uri":"file:///x"}]})");
  EXPECT_EQ(m.error_json, "");
  EXPECT_EQ(parse_one(R"({"jsonrpc":"2.0","id":"r","result":null})").result_json, "null");
  EXPECT_EQ(parse_one(R"({"jsonrpc":"2.0","id":"r","result":0})").result_json, "0");
  m = parse_one(R"({"jsonrpc":"2.0","id":"r","error":{"code":-32601,"message":"no such method","data":[1]}})");
  EXPECT_EQ(m.kind, msg_kind::response);
  EXPECT_EQ(m.id_json, R"("r")");
  EXPECT_EQ(m.result_json, "");
  EXPECT_EQ(m.error_json, R"({"code":-32601,"message":"no such method","data":[1]})");
}

TEST(ParseLineTest, ExtraMembersAreIgnored) {
  message m = parse_one(R"({"jsonrpc":"2.0","id":1,"method":"m","_meta":{"a":1},"x":null})");
  EXPECT_EQ(m.kind, msg_kind::request);
  EXPECT_EQ(m.params_json, "");
}

TEST(ParseLineTest, SurrogatePairsDecode) {
  message m = parse_one(R"({"jsonrpc":"2.0","method":"\ud83d\ude00"})");
  EXPECT_EQ(m.method, "\xF0\x9F\x98\x80");
}

// ---- parse_line: errors -------------------------------------------------------------------------

TEST(ParseLineTest, InvalidJsonIsAParseError) {
  parse_error e = parse_bad(R"({"jsonrpc":"2.0" "id":1})");
  EXPECT_EQ(e.code, code::parse_error);
  EXPECT_EQ(e.id_json, "null");
  EXPECT_EQ(e.message.rfind("invalid JSON at offset 17: ", 0), 0u) << e.message;
  EXPECT_NE(e.message.find("Missing a comma"), std::string::npos) << e.message;
  for (const char *bad : {"", "{", "{}}", "{} {}", "[1,]", "{'a':1}", "NaN", "{\"a\":01}", "{\"a\":1e400}",
                          "{\"a\":\"\t\"}", "/* c */ {}", "\xEF\xBB\xBF{}"}) {
    e = parse_bad(bad);
    EXPECT_EQ(e.code, code::parse_error) << bad;
    EXPECT_EQ(e.id_json, "null") << bad;
  }
}

TEST(ParseLineTest, NulByteIsAParseError) {
  using namespace std::string_literals;
  parse_error e = parse_bad(R"({"jsonrpc":"2.0","method":"m"})"s + '\0' + "junk");
  EXPECT_EQ(e.code, code::parse_error);
  EXPECT_EQ(e.message, "invalid JSON at offset 30: a NUL byte is not allowed");
}

TEST(ParseLineTest, InvalidUtf8IsAParseError) {
  for (const char *bad : {"{\"jsonrpc\":\"2.0\",\"method\":\"\xFF\"}", "{\"jsonrpc\":\"2.0\",\"method\":\"\xC0\x80\"}",
                          "{\"jsonrpc\":\"2.0\",\"method\":\"\xED\xA0\x80\"}",
                          "{\"jsonrpc\":\"2.0\",\"method\":\"\xC3\"}", "{\"\xFF\":1}", "{\"a\":1}\xFF"}) {
    parse_error e = parse_bad(bad);
    EXPECT_EQ(e.code, code::parse_error) << bad;
    EXPECT_EQ(e.message.rfind("invalid JSON at offset", 0), 0u) << e.message;
  }
}

TEST(ParseLineTest, LoneSurrogateEscapesAreParseErrors) {
  for (const char *bad : {R"({"jsonrpc":"2.0","method":"\udc00"})", R"({"jsonrpc":"2.0","method":"\ud800"})",
                          R"({"jsonrpc":"2.0","method":"\ud800x"})", R"({"\udfff":1})",
                          R"({"jsonrpc":"2.0","method":"m","params":{"a":["\udc00"]}})"}) {
    parse_error e = parse_bad(bad);
    EXPECT_EQ(e.code, code::parse_error) << bad;
  }
  EXPECT_NE(parse_bad(R"({"jsonrpc":"2.0","method":"\udc00"})").message.find("lone surrogate"), std::string::npos);
}

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(ParseLineTest, NestingDepthIsCapped) {
  // The message object is level 1, so params may hold max_depth - 1 levels.
  std::string head = R"({"jsonrpc":"2.0","method":"m","params":)";
  message m = parse_one(head + nested(max_depth - 1) + "}");
  EXPECT_EQ(m.params_json, nested(max_depth - 1));
  parse_error e = parse_bad(head + nested(max_depth) + "}");
  EXPECT_EQ(e.code, code::parse_error);
  EXPECT_EQ(e.message, "nesting too deep (more than 128 levels)");
  // Hostile depth: stopped early, no recursion.
  EXPECT_EQ(parse_bad(std::string(1'000'000, '[')).message, "nesting too deep (more than 128 levels)");
  EXPECT_EQ(parse_bad(std::string(200'000, '{')).code, code::parse_error);
  // A batch is a level too.
  parsed_line p = parse_line("[" + head + nested(max_depth - 2) + "}]");
  EXPECT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(parse_bad("[" + head + nested(max_depth - 1) + "}]").code, code::parse_error);
}

TEST(ParseLineTest, NonObjectMessagesAreInvalidRequests) {
  for (const char *bad : {"1", "\"x\"", "null", "true", "-5.5"}) {
    parse_error e = parse_bad(bad);
    EXPECT_EQ(e.code, code::invalid_request) << bad;
    EXPECT_EQ(e.id_json, "null");
    EXPECT_EQ(e.message, "a message must be a JSON object");
  }
}

TEST(ParseLineTest, JsonrpcVersionIsRequired) {
  for (const char *bad : {R"({"id":3,"method":"m"})", R"({"jsonrpc":"1.0","id":3,"method":"m"})",
                          R"({"jsonrpc":2.0,"id":3,"method":"m"})", R"({"jsonrpc":"2.0 ","id":3,"method":"m"})"}) {
    parse_error e = parse_bad(bad);
    EXPECT_EQ(e.code, code::invalid_request) << bad;
    EXPECT_EQ(e.id_json, "3") << bad;  // the id could be read, so the error carries it
    EXPECT_EQ(e.message, "'jsonrpc' must be \"2.0\"");
  }
}

TEST(ParseLineTest, InvalidIds) {
  for (const char *id : {"null", "1.5", "1.0", "1e3", "-2E-1", "true", "false", "{}", "[1]", "{\"a\":1}"}) {
    parse_error e = parse_bad(std::string(R"({"jsonrpc":"2.0","method":"m","id":)") + id + "}");
    EXPECT_EQ(e.code, code::invalid_request) << id;
    EXPECT_EQ(e.id_json, "null") << id;
    EXPECT_EQ(e.message, "id must be a string or an integer") << id;
  }
  parse_error e = parse_bad(R"({"jsonrpc":"2.0","id":null,"result":{}})");
  EXPECT_EQ(e.message, "id must be a string or an integer");
}

TEST(ParseLineTest, InvalidMethodAndParams) {
  for (const char *method : {"1", "null", "[\"m\"]", "{}", "true"}) {
    parse_error e = parse_bad(std::string(R"({"jsonrpc":"2.0","id":"q","method":)") + method + "}");
    EXPECT_EQ(e.code, code::invalid_request);
    EXPECT_EQ(e.id_json, R"("q")");
    EXPECT_EQ(e.message, "'method' must be a string");
  }
  for (const char *params : {"1", "null", "\"p\"", "false"}) {
    parse_error e = parse_bad(std::string(R"({"jsonrpc":"2.0","id":-4,"method":"m","params":)") + params + "}");
    EXPECT_EQ(e.code, code::invalid_request);
    EXPECT_EQ(e.id_json, "-4");
    EXPECT_EQ(e.message, "'params' must be an object or an array");
  }
  // A notification with bad params is still answered (JSON-RPC: id null).
  parse_error e = parse_bad(R"({"jsonrpc":"2.0","method":"m","params":3})");
  EXPECT_EQ(e.id_json, "null");
  e = parse_bad(R"({"jsonrpc":"2.0","id":1,"method":"m","result":{}})");
  EXPECT_EQ(e.message, "a request must not have 'result' or 'error'");
}

TEST(ParseLineTest, InvalidResponses) {
  struct bad_case {
    const char *line, *id, *message;
  };
  for (const bad_case &c : std::vector<bad_case>{
           {R"({"jsonrpc":"2.0","id":1})", "1", "'method' is missing"},
           {R"({"jsonrpc":"2.0"})", "null", "'method' is missing"},
           {R"({"jsonrpc":"2.0","result":{}})", "null", "a response must have an id"},
           {R"({"jsonrpc":"2.0","id":2,"result":{},"error":{"code":1,"message":"m"}})", "2",
            "a response must have exactly one of 'result' or 'error'"},
           {R"({"jsonrpc":"2.0","id":3,"error":"boom"})", "3",
            "'error' must be an object with an integer 'code' and a string 'message'"},
           {R"({"jsonrpc":"2.0","id":3,"error":{"code":1.5,"message":"m"}})", "3",
            "'error' must be an object with an integer 'code' and a string 'message'"},
           {R"({"jsonrpc":"2.0","id":3,"error":{"code":1}})", "3",
            "'error' must be an object with an integer 'code' and a string 'message'"},
           {R"({"jsonrpc":"2.0","id":3,"error":{"message":"m"}})", "3",
            "'error' must be an object with an integer 'code' and a string 'message'"},
       }) {
    parse_error e = parse_bad(c.line);
    EXPECT_EQ(e.code, code::invalid_request) << c.line;
    EXPECT_EQ(e.id_json, c.id) << c.line;
    EXPECT_EQ(e.message, c.message) << c.line;
  }
}

TEST(ParseLineTest, DuplicateMembersAreRejected) {
  parse_error e = parse_bad(R"({"jsonrpc":"2.0","id":1,"method":"a","method":"b"})");
  EXPECT_EQ(e.code, code::invalid_request);
  EXPECT_EQ(e.id_json, "1");
  EXPECT_EQ(e.message, "duplicate member 'method'");
  e = parse_bad(R"({"jsonrpc":"2.0","id":1,"id":2,"method":"a"})");
  EXPECT_EQ(e.id_json, "null");  // which id? neither: answering either could confuse the peer
  EXPECT_EQ(e.message, "duplicate member 'id'");
}

// ---- batches ------------------------------------------------------------------------------------

TEST(ParseLineTest, BatchOfMixedValidAndInvalid) {
  parsed_line p = parse_line(R"([
    {"jsonrpc":"2.0","id":1,"method":"ping"},
    {"jsonrpc":"2.0","method":"notifications/progress","params":{"p":1}},
    1,
    {"jsonrpc":"2.0","id":3},
    {"jsonrpc":"1.0","id":"x","method":"m"},
    [{"jsonrpc":"2.0","id":9,"method":"nested"}],
    {"jsonrpc":"2.0","id":"r","result":{}}
  ])");
  EXPECT_TRUE(p.batch);
  ASSERT_EQ(p.messages.size(), 3u);
  EXPECT_EQ(p.messages[0].kind, msg_kind::request);
  EXPECT_EQ(p.messages[0].id_json, "1");
  EXPECT_EQ(p.messages[1].kind, msg_kind::notification);
  EXPECT_EQ(p.messages[1].params_json, R"({"p":1})");
  EXPECT_EQ(p.messages[2].kind, msg_kind::response);
  EXPECT_EQ(p.messages[2].id_json, R"("r")");
  ASSERT_EQ(p.errors.size(), 4u);
  EXPECT_EQ(p.errors[0].id_json, "null");
  EXPECT_EQ(p.errors[0].message, "a message must be a JSON object");
  EXPECT_EQ(p.errors[1].id_json, "3");
  EXPECT_EQ(p.errors[2].id_json, R"("x")");
  EXPECT_EQ(p.errors[3].id_json, "null");  // a nested batch is not a message
  for (const parse_error &e : p.errors) EXPECT_EQ(e.code, code::invalid_request);
}

TEST(ParseLineTest, BatchOfOnlyInvalidElements) {
  parsed_line p = parse_line("[1,2,3]");
  EXPECT_TRUE(p.batch);
  EXPECT_TRUE(p.messages.empty());
  EXPECT_EQ(p.errors.size(), 3u);
}

TEST(ParseLineTest, EmptyBatchIsOneInvalidRequest) {
  parse_error e = parse_bad(" [ ] ");
  EXPECT_EQ(e.code, code::invalid_request);
  EXPECT_EQ(e.id_json, "null");
}

TEST(ParseLineTest, InvalidJsonBatchIsOneParseError) {
  parse_error e = parse_bad(R"([{"jsonrpc":"2.0","method":"sum","params":[1,2,4]},{"jsonrpc":"2.0","method")");
  EXPECT_EQ(e.code, code::parse_error);
}

// ---- builders -----------------------------------------------------------------------------------

bool is_valid_json(const std::string &s) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag>(s.data(), s.size());
  return !d.HasParseError();
}

TEST(BuildersTest, Result) {
  EXPECT_EQ(make_result("7", R"({"tools":[]})"), R"({"jsonrpc":"2.0","id":7,"result":{"tools":[]}})");
  EXPECT_EQ(make_result(R"("a")", ""), R"({"jsonrpc":"2.0","id":"a","result":{}})");
  message m = parse_one(make_result("9007199254740993", "[1]"));
  EXPECT_EQ(m.kind, msg_kind::response);
  EXPECT_EQ(m.id_json, "9007199254740993");
  EXPECT_EQ(m.result_json, "[1]");
}

TEST(BuildersTest, Error) {
  EXPECT_EQ(make_error("null", code::parse_error, "bad \"json\""),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad \"json\""}})");
  EXPECT_EQ(make_error("", code::invalid_request, "x"),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"x"}})");
  std::string s = make_error(R"("q")", code::invalid_params, "missing\n'name'", R"({"field":"name"})");
  EXPECT_EQ(
      s, R"({"jsonrpc":"2.0","id":"q","error":{"code":-32602,"message":"missing\n'name'","data":{"field":"name"}}})");
  message m = parse_one(s);
  EXPECT_EQ(m.kind, msg_kind::response);
  EXPECT_EQ(m.error_json, R"({"code":-32602,"message":"missing\n'name'","data":{"field":"name"}})");
  EXPECT_TRUE(is_valid_json(make_error("1", code::internal_error, "\xFF\xFE bad bytes")));
}

TEST(BuildersTest, NotificationAndRequest) {
  EXPECT_EQ(make_notification("notifications/tools/list_changed", ""),
            R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})");
  EXPECT_EQ(make_notification("n", R"({"a":1})"), R"({"jsonrpc":"2.0","method":"n","params":{"a":1}})");
  EXPECT_EQ(make_request("0", "roots/list", ""), R"({"jsonrpc":"2.0","id":0,"method":"roots/list"})");
  EXPECT_EQ(make_request(R"("s-1")", "sampling/createMessage", "[]"),
            R"({"jsonrpc":"2.0","id":"s-1","method":"sampling/createMessage","params":[]})");
  message m = parse_one(make_request("-1", "we\"ird\x01", R"({"x":[1,2]})"));
  EXPECT_EQ(m.kind, msg_kind::request);
  EXPECT_EQ(m.id_json, "-1");
  EXPECT_EQ(m.method, "we\"ird\x01");
  EXPECT_EQ(m.params_json, R"({"x":[1,2]})");
  m = parse_one(make_notification("n", ""));
  EXPECT_EQ(m.kind, msg_kind::notification);
}

TEST(QuoteTest, Escapes) {
  using namespace std::string_literals;
  EXPECT_EQ(quote(""), R"("")");
  EXPECT_EQ(quote("plain text /"), R"("plain text /")");
  EXPECT_EQ(quote(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(quote("\n\r\t\b\f"), R"("\n\r\t\u0008\u000C")");
  EXPECT_EQ(quote("\x01\x1F"s + '\0'), R"("\u0001\u001F\u0000")");
  EXPECT_EQ(quote("\x7F"), "\"\x7F\"");  // DEL needs no escape in JSON
}

TEST(QuoteTest, Utf8) {
  const std::string ok = "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF \xF4\x8F\xBF\xBF";
  EXPECT_EQ(quote(ok), "\"" + ok + "\"");
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(quote("a\xFF"
                  "b"),
            "\"a" + fffd + "b\"");
  EXPECT_EQ(quote("\xC3"), "\"" + fffd + "\"");                                   // truncated
  EXPECT_EQ(quote("\xC0\x80"), "\"" + fffd + fffd + "\"");                        // overlong NUL
  EXPECT_EQ(quote("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");             // surrogate
  EXPECT_EQ(quote("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // above U+10FFFF
  EXPECT_EQ(quote("\xE2\x82"
                  "x"),
            "\"" + fffd + fffd + "x\"");
  for (std::string s : {"\xFF\xFE", "\x80", "ok\xF0\x9F\x98"}) EXPECT_TRUE(is_valid_json(quote(s))) << s;
}

}  // namespace
}  // namespace ra::mcp
