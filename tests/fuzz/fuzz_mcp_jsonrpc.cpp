// tests/fuzz/fuzz_mcp_jsonrpc.cpp — libFuzzer target for the MCP plugin's JSON-RPC codec
// (plugins/mcp/jsonrpc.*), i.e. what an MCP client writes to our stdin.
//
// Input layout: byte 0 picks max_line (tiny limits exercise the oversize path), bytes 1..3 give the
// sizes of the chunks fed to line_splitter in turn, the rest is the byte stream. Besides crashes
// and sanitizer reports it checks:
//  * the splitter agrees with a simple reference split of the whole stream (same lines, same
//    number of oversize reports) and never buffers more than max_line;
//  * every non-blank line yields at least one message or error; error codes are -32700 / -32600;
//  * ids (messages and errors) re-parse as a JSON string or integer; params/result/error re-parse
//    as valid JSON of the right shape and are a fixed point of parse_line (already compact);
//  * every builder's output is valid UTF-8 JSON, and requests/notifications/results built from a
//    parsed message parse back to the same message.
//
// Build and run by hand (scripts/fuzz does the same through tests/fuzz/meson.build):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iplugins/mcp \
//     tests/fuzz/fuzz_mcp_jsonrpc.cpp plugins/mcp/jsonrpc.cpp -o /tmp/fuzz_mcp_jsonrpc
//   /tmp/fuzz_mcp_jsonrpc tests/fuzz/corpus/mcp_jsonrpc -max_total_time=60
// Thread safety: libFuzzer calls the target from one thread.
#include <rapidjson/document.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "jsonrpc.hpp"

namespace {

using namespace ra::mcp;

void check(bool ok) {
  if (!ok) std::abort();
}

bool parses(std::string_view json, rapidjson::Document &d) {
  d.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag | rapidjson::kParseFullPrecisionFlag>(
      json.data(), json.size());
  return !d.HasParseError();
}

bool valid_json(std::string_view json) {
  rapidjson::Document d;
  return parses(json, d);
}

// A JSON-RPC id: a string, or a number token without fraction or exponent.
bool valid_id(std::string_view id) {
  rapidjson::Document d;
  if (!parses(id, d)) return false;
  return d.IsString() || (d.IsNumber() && id.find_first_of(".eE") == std::string_view::npos);
}

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

// What the splitter must produce, computed on the whole stream at once.
struct reference_split {
  std::vector<std::string> lines;
  int oversize = 0;
  size_t buffered = 0;
};

reference_split split_reference(std::string_view stream, size_t max_line) {
  reference_split r;
  for (;;) {
    size_t nl = stream.find('\n');
    std::string_view line = stream.substr(0, nl);
    if (nl == std::string_view::npos) {
      if (line.size() > max_line) {
        ++r.oversize;
      } else {
        r.buffered = line.size();
      }
      return r;
    }
    stream.remove_prefix(nl + 1);
    if (line.size() > max_line) {
      ++r.oversize;
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!is_blank(line)) r.lines.emplace_back(line);
  }
}

// A compact JSON fragment taken from a parsed message is stable under another parse.
void check_fragment(std::string_view json, bool container) {
  rapidjson::Document d;
  check(parses(json, d));
  if (!container) return;
  check(d.IsObject() || d.IsArray());
  // A member of a message object sits at level 2 or deeper, so as params of a new message it is
  // still within the depth cap.
  parsed_line p = parse_line(make_notification("x", json));
  check(p.errors.empty() && p.messages.size() == 1 && p.messages[0].params_json == json);
}

void check_message(const message &m) {
  switch (m.kind) {
    case msg_kind::request:
      check(valid_id(m.id_json));
      check(m.result_json.empty() && m.error_json.empty());
      break;
    case msg_kind::notification:
      check(m.id_json.empty() && m.result_json.empty() && m.error_json.empty());
      break;
    case msg_kind::response:
      check(valid_id(m.id_json) && m.method.empty() && m.params_json.empty());
      check(m.result_json.empty() != m.error_json.empty());
      break;
  }
  if (!m.params_json.empty()) check_fragment(m.params_json, true);
  if (!m.result_json.empty()) check(valid_json(m.result_json));
  if (!m.error_json.empty()) check_fragment(m.error_json, true);
}

// Builders: valid JSON always; a request/notification/result built from the message reads back.
void check_builders(const message &m, std::string_view line) {
  std::string id = m.id_json.empty() ? "1" : m.id_json;
  check(valid_json(make_error(id, code::internal_error, line, m.params_json)));
  check(valid_json(make_error("null", code::invalid_request, m.method)));
  check(valid_json(quote(line)));
  std::string result = m.result_json.empty() ? m.params_json : m.result_json;
  std::vector<std::string> built = {make_request(id, m.method, m.params_json),
                                    make_notification(m.method, m.params_json), make_result(id, result)};
  for (const std::string &out : built) {
    check(valid_json(out));
    parsed_line p = parse_line(out);
    check(!p.batch && p.errors.empty() && p.messages.size() == 1);
    const message &back = p.messages[0];
    if (back.kind == msg_kind::response) {
      check(back.id_json == id && back.result_json == (result.empty() ? "{}" : result));
    } else {
      check(back.method == m.method && back.params_json == m.params_json);
      if (back.kind == msg_kind::request) check(back.id_json == id);
    }
  }
}

void check_line(std::string_view line) {
  parsed_line p = parse_line(line);
  check(!p.messages.empty() || !p.errors.empty());
  if (p.batch) check(p.messages.size() + p.errors.size() >= 1);
  for (const parse_error &e : p.errors) {
    check(e.code == code::parse_error || e.code == code::invalid_request);
    check(e.id_json == "null" || valid_id(e.id_json));
    check(!e.message.empty());
    check(valid_json(make_error(e.id_json, e.code, e.message)));
  }
  for (const message &m : p.messages) {
    check_message(m);
    check_builders(m, line);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  // Mostly a limit no line reaches; 1 in 8 inputs get a tiny one so oversize lines happen often.
  size_t max_line = data[0] < 32 ? data[0] : 1u << 20;
  const uint8_t chunk_seed[3] = {data[1], data[2], data[3]};
  std::string_view stream(reinterpret_cast<const char *>(data + 4), size - 4);

  line_splitter splitter(max_line);
  std::vector<std::string> lines;
  int oversize = 0;
  auto on_line = [&](std::string_view line) {
    check(line.size() <= max_line && line.find('\n') == std::string_view::npos && !is_blank(line));
    lines.emplace_back(line);
    check_line(line);
  };
  auto on_oversize = [&] { ++oversize; };
  std::string_view rest = stream;
  for (size_t i = 0; !rest.empty(); ++i) {
    size_t n = chunk_seed[i % 3] == 0 ? rest.size() : chunk_seed[i % 3];  // 0: everything left at once
    n = std::min(n, rest.size());
    splitter.feed(rest.substr(0, n), on_line, on_oversize);
    rest.remove_prefix(n);
    check(splitter.buffered() <= max_line);
  }
  reference_split want = split_reference(stream, max_line);
  check(lines == want.lines && oversize == want.oversize && splitter.buffered() == want.buffered);
  return 0;
}
