// jsonrpc.cpp — JSON-RPC 2.0 line splitting, parsing and building for the MCP stdio transport.
//
// A line is parsed once with RapidJSON's SAX reader (iterative, so hostile nesting cannot exhaust
// the stack). A handler tracks the depth and, for every member of each message object, writes the
// member's value back out as compact JSON. Numbers are read as raw tokens and written back as they
// were, so ids such as 9007199254740993 and numbers inside params survive byte for byte. The small
// per-message member list is then checked against the JSON-RPC rules.
// Thread safety: pure functions; line_splitter instances are single-threaded.
#include "jsonrpc.hpp"

#include "utf8.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <initializer_list>
#include <optional>

namespace ra::mcp {

// ---- line_splitter ------------------------------------------------------------------------------

namespace {

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

// Clears a buffer on scope exit, so a throwing callback cannot leave a delivered line buffered.
struct clear_on_exit {
  std::string &s;
  ~clear_on_exit() { s.clear(); }
};

}  // namespace

line_splitter::line_splitter(size_t max_line) : max_line_(max_line) {}

void line_splitter::feed(std::string_view bytes, const std::function<void(std::string_view)> &on_line,
                         const std::function<void()> &on_oversize) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (discarding_) return;
      if (buf_.size() + bytes.size() > max_line_) {
        // Report as soon as the line is known to be too long, not when its '\n' finally arrives.
        buf_.clear();
        discarding_ = true;
        on_oversize();
        return;
      }
      buf_.append(bytes);
      return;
    }
    std::string_view tail = bytes.substr(0, nl);
    bytes.remove_prefix(nl + 1);
    if (discarding_) {
      discarding_ = false;
      continue;
    }
    finish_line(tail, on_line, on_oversize);
  }
}

// Delivers buf_ + tail, the bytes before a '\n'. The common case (nothing buffered) is zero-copy.
void line_splitter::finish_line(std::string_view tail, const std::function<void(std::string_view)> &on_line,
                                const std::function<void()> &on_oversize) {
  clear_on_exit guard{buf_};
  if (buf_.size() + tail.size() > max_line_) {
    on_oversize();
    return;
  }
  std::string_view line = tail;
  if (!buf_.empty()) {
    buf_.append(tail);
    line = buf_;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!is_blank(line)) on_line(line);
}

// ---- UTF-8 --------------------------------------------------------------------------------------

namespace {}  // namespace

// ---- SAX capture of a line ----------------------------------------------------------------------

namespace {

enum class json_type { null, boolean, number, string, object, array };

// One member of a message object, its value already re-serialised.
struct member {
  std::string name;
  json_type type = json_type::null;
  std::string json;      // compact JSON of the value
  std::string text;      // strings: the decoded value; numbers: the raw token
  bool integer = false;  // a number token without fraction or exponent
};

// A top-level value (or a batch element): message objects keep their members; anything else is
// only counted, to be answered with "invalid request".
struct element {
  bool is_object = false;
  std::vector<member> members;
};

// RapidJSON SAX handler. Depth 1 is the root container; message members live at depth 1 (single
// message) or 2 (batch). Any value at member level is captured through writer_ until it closes.
class line_handler {
 public:
  std::vector<element> elements;
  bool top_is_array = false;
  bool too_deep = false;
  bool lone_surrogate = false;

  bool Null() {
    return scalar(json_type::null, [](auto &w) { return w.Null(); });
  }
  bool Bool(bool b) {
    return scalar(json_type::boolean, [b](auto &w) { return w.Bool(b); });
  }
  // With kParseNumbersAsStringsFlag the reader reports numbers through RawNumber only; these keep
  // the handler complete.
  bool Int(int i) { return Int64(i); }
  bool Uint(unsigned u) { return Uint64(u); }
  bool Int64(int64_t i) { return number(std::to_string(i)); }
  bool Uint64(uint64_t u) { return number(std::to_string(u)); }
  bool Double(double d) {
    return scalar(json_type::number, [d](auto &w) { return w.Double(d); });
  }
  bool RawNumber(const char *s, rapidjson::SizeType n, bool) { return number(std::string(s, n)); }
  bool String(const char *s, rapidjson::SizeType n, bool) {
    std::string_view v(s, n);
    if (!valid_string(v)) return false;
    if (at_member_level()) capture_text_ = v;
    return scalar(json_type::string, [v](auto &w) { return w.String(v.data(), rapidjson::SizeType(v.size())); });
  }
  bool Key(const char *s, rapidjson::SizeType n, bool) {
    std::string_view v(s, n);
    if (!valid_string(v)) return false;
    if (capturing_) return writer_.Key(s, n);
    key_ = v;
    return true;
  }
  bool StartObject() { return start(json_type::object); }
  bool StartArray() { return start(json_type::array); }
  bool EndObject(rapidjson::SizeType) {
    return end([](auto &w) { return w.EndObject(); });
  }
  bool EndArray(rapidjson::SizeType) {
    return end([](auto &w) { return w.EndArray(); });
  }

 private:
  unsigned member_depth() const { return top_is_array ? 2 : 1; }
  bool at_member_level() const { return !capturing_ && depth_ == member_depth(); }

  // RapidJSON 1.1 validates raw bytes but decodes a lone low-surrogate escape (\uDC00) into
  // ill-formed UTF-8, which would otherwise reach our output.
  bool valid_string(std::string_view v) {
    if (ra::plugin_text::is_utf8(v)) return true;
    lone_surrogate = true;
    return false;
  }

  bool number(std::string token) {
    bool integer = token.find_first_of(".eE") == std::string::npos;
    if (at_member_level()) {
      capture_text_ = token;
      capture_integer_ = integer;
    }
    return scalar(json_type::number,
                  [&token](auto &w) { return w.RawValue(token.data(), token.size(), rapidjson::kNumberType); });
  }

  template <class Write>
  bool scalar(json_type t, Write write) {
    if (capturing_) return write(writer_);
    if (!at_member_level()) {  // the root or a batch element: not a message object
      elements.push_back({});
      return true;
    }
    begin_capture(t, true);
    bool ok = write(writer_);
    end_capture();
    return ok;
  }

  bool start(json_type t) {
    if (++depth_ > max_depth) {
      too_deep = true;
      return false;
    }
    auto write = [t](auto &w) { return t == json_type::object ? w.StartObject() : w.StartArray(); };
    if (capturing_) return write(writer_);
    bool element_level = depth_ == 1 || (top_is_array && depth_ == 2);
    if (depth_ == 1 && t == json_type::array) {
      top_is_array = true;
    } else if (element_level && t == json_type::object) {
      elements.push_back({true, {}});
    } else {
      // A member value, or an array inside a batch (not a message): captured, the latter discarded.
      if (element_level) elements.push_back({});
      begin_capture(t, !element_level);
      return write(writer_);
    }
    return true;
  }

  template <class Write>
  bool end(Write write) {
    --depth_;
    if (!capturing_) return true;  // a message object or the batch array closed
    bool ok = write(writer_);
    if (depth_ == capture_base_) end_capture();
    return ok;
  }

  void begin_capture(json_type t, bool keep) {
    capturing_ = true;
    capture_keep_ = keep;
    capture_type_ = t;
    capture_base_ = t == json_type::object || t == json_type::array ? depth_ - 1 : depth_;
    buf_.Clear();
    writer_.Reset(buf_);
  }

  void end_capture() {
    capturing_ = false;
    if (capture_keep_) {
      elements.back().members.push_back({std::move(key_), capture_type_, std::string(buf_.GetString(), buf_.GetSize()),
                                         std::move(capture_text_), capture_integer_});
    }
    key_.clear();
    capture_text_.clear();
    capture_integer_ = false;
  }

  unsigned depth_ = 0;  // containers open
  std::string key_;     // the member whose value comes next
  bool capturing_ = false;
  bool capture_keep_ = false;
  json_type capture_type_ = json_type::null;
  unsigned capture_base_ = 0;  // depth_ once the captured value has closed
  std::string capture_text_;
  bool capture_integer_ = false;
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_{buf_};
};

// ---- JSON-RPC rules -----------------------------------------------------------------------------

// The JSON-RPC members of one message object, each null when absent.
struct envelope {
  const member *jsonrpc = nullptr, *id = nullptr, *method = nullptr, *params = nullptr, *result = nullptr,
               *error = nullptr;
  std::string duplicate;  // the first known member that appeared twice
};

envelope find_members(const element &e) {
  envelope env;
  for (const member &m : e.members) {
    const member **slot = m.name == "jsonrpc"  ? &env.jsonrpc
                          : m.name == "id"     ? &env.id
                          : m.name == "method" ? &env.method
                          : m.name == "params" ? &env.params
                          : m.name == "result" ? &env.result
                          : m.name == "error"  ? &env.error
                                               : nullptr;
    if (!slot) continue;  // JSON-RPC does not forbid extra members; MCP adds none at this level
    if (*slot && env.duplicate.empty()) env.duplicate = m.name;
    if (!*slot) *slot = &m;
  }
  return env;
}

// The id as JSON text when it is a string or an integer.
std::optional<std::string> id_text(const member &id) {
  if (id.type == json_type::string) return id.json;
  if (id.type == json_type::number && id.integer) return id.text;
  return std::nullopt;
}

bool is_container(const member &m) { return m.type == json_type::object || m.type == json_type::array; }

// JSON-RPC's error object: {"code": integer, "message": string, "data"?: any}.
bool valid_error_object(const member &error) {
  if (error.type != json_type::object) return false;
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseFullPrecisionFlag>(error.json.data(), error.json.size());
  if (d.HasParseError() || !d.IsObject()) return false;
  // HasMember + operator[] rather than iterator comparisons, which clang flags as ambiguous in C++20.
  if (!d.HasMember("code") || !d.HasMember("message")) return false;
  const rapidjson::Value &code = d["code"];
  return (code.IsInt64() || code.IsUint64()) && d["message"].IsString();
}

struct outcome {
  std::optional<message> msg;
  parse_error err;
};

outcome invalid(std::string id_json, std::string why) {
  return {std::nullopt, {std::move(id_json), code::invalid_request, std::move(why)}};
}

outcome request_or_notification(const envelope &env, const std::string &id) {
  if (env.method->type != json_type::string) return invalid(id, "'method' must be a string");
  if (env.result || env.error) return invalid(id, "a request must not have 'result' or 'error'");
  if (env.params && !is_container(*env.params)) return invalid(id, "'params' must be an object or an array");
  message m{env.id ? msg_kind::request : msg_kind::notification, env.id ? id : "", env.method->text, "", "", ""};
  if (env.params) m.params_json = env.params->json;
  return {std::move(m), {}};
}

outcome response(const envelope &env, const std::string &id) {
  if (!env.result && !env.error) return invalid(id, "'method' is missing");
  if (!env.id) return invalid(id, "a response must have an id");
  if (env.result && env.error) return invalid(id, "a response must have exactly one of 'result' or 'error'");
  if (env.error && !valid_error_object(*env.error))
    return invalid(id, "'error' must be an object with an integer 'code' and a string 'message'");
  message m{msg_kind::response, id, "", "", "", ""};
  if (env.result) m.result_json = env.result->json;
  if (env.error) m.error_json = env.error->json;
  return {std::move(m), {}};
}

outcome check_element(const element &e) {
  if (!e.is_object) return invalid("null", "a message must be a JSON object");
  envelope env = find_members(e);
  // Errors carry the id whenever it can be read; a duplicated id cannot be read unambiguously.
  std::string id = "null";
  bool id_ok = true;
  if (env.id && env.duplicate != "id") {
    auto t = id_text(*env.id);
    id_ok = t.has_value();
    if (t) id = std::move(*t);
  }
  if (!env.duplicate.empty()) return invalid(id, "duplicate member '" + env.duplicate + "'");
  if (!env.jsonrpc || env.jsonrpc->type != json_type::string || env.jsonrpc->text != "2.0")
    return invalid(id, "'jsonrpc' must be \"2.0\"");
  if (!id_ok) return invalid(id, "id must be a string or an integer");
  return env.method ? request_or_notification(env, id) : response(env, id);
}

parse_error syntax_error(const line_handler &h, const rapidjson::Reader &r) {
  std::string at = "invalid JSON at offset " + std::to_string(r.GetErrorOffset()) + ": ";
  if (h.too_deep)
    return {"null", code::parse_error, "nesting too deep (more than " + std::to_string(max_depth) + " levels)"};
  if (h.lone_surrogate) return {"null", code::parse_error, at + "a \\u escape encodes a lone surrogate"};
  return {"null", code::parse_error, at + rapidjson::GetParseError_En(r.GetParseErrorCode())};
}

}  // namespace

parsed_line parse_line(std::string_view line) {
  parsed_line out;
  // RapidJSON reads a NUL byte as the end of input, so "{...}\0junk" would pass. A raw NUL is never
  // valid JSON text anyway.
  if (size_t nul = line.find('\0'); nul != std::string_view::npos) {
    out.errors.push_back(
        {"null", code::parse_error, "invalid JSON at offset " + std::to_string(nul) + ": a NUL byte is not allowed"});
    return out;
  }
  line_handler h;
  rapidjson::Reader reader;
  rapidjson::MemoryStream is(line.data(), line.size());
  constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
                             rapidjson::kParseFullPrecisionFlag | rapidjson::kParseNumbersAsStringsFlag;
  if (!reader.Parse<flags>(is, h)) {
    out.errors.push_back(syntax_error(h, reader));
    return out;
  }
  if (h.top_is_array && h.elements.empty()) {
    out.errors.push_back({"null", code::invalid_request, "empty batch"});
    return out;
  }
  out.batch = h.top_is_array;
  for (const element &e : h.elements) {
    outcome o = check_element(e);
    if (o.msg) {
      out.messages.push_back(std::move(*o.msg));
    } else {
      out.errors.push_back(std::move(o.err));
    }
  }
  return out;
}

// ---- builders -----------------------------------------------------------------------------------

std::string quote(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n' || c == '\r' || c == '\t') {
      // The short escapes: tool output is mostly lines, and every character counts in a model's context.
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else if (c >= 0x80) {
      size_t n = ra::plugin_text::utf8_seq_len(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD, one per ill-formed byte
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
  return out;
}

namespace {

std::string_view or_default(std::string_view json, std::string_view fallback) { return json.empty() ? fallback : json; }

std::string concat(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (auto p : parts) n += p.size();
  std::string out;
  out.reserve(n);
  for (auto p : parts) out.append(p);
  return out;
}

}  // namespace

std::string make_result(std::string_view id_json, std::string_view result_json) {
  return concat(
      {R"({"jsonrpc":"2.0","id":)", or_default(id_json, "null"), R"(,"result":)", or_default(result_json, "{}"), "}"});
}

std::string make_error(std::string_view id_json, int code, std::string_view message, std::string_view data_json) {
  std::string data = data_json.empty() ? "" : concat({R"(,"data":)", data_json});
  return concat({R"({"jsonrpc":"2.0","id":)", or_default(id_json, "null"), R"(,"error":{"code":)", std::to_string(code),
                 R"(,"message":)", quote(message), data, "}}"});
}

std::string make_notification(std::string_view method, std::string_view params_json) {
  std::string params = params_json.empty() ? "" : concat({R"(,"params":)", params_json});
  return concat({R"({"jsonrpc":"2.0","method":)", quote(method), params, "}"});
}

std::string make_request(std::string_view id_json, std::string_view method, std::string_view params_json) {
  std::string params = params_json.empty() ? "" : concat({R"(,"params":)", params_json});
  return concat(
      {R"({"jsonrpc":"2.0","id":)", or_default(id_json, "null"), R"(,"method":)", quote(method), params, "}"});
}

}  // namespace ra::mcp
