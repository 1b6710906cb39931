#include "peer/messages.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <chrono>

#include "crypto/primitives.hpp"
#include "util/hex.hpp"
#include "util/json.hpp"

namespace ra::peer {
namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(writer &w, const char *key, std::string_view v) {
  w.Key(key);
  std::string safe = json::to_valid_utf8(v);
  w.String(safe.data(), static_cast<rapidjson::SizeType>(safe.size()));
}

// A member that is already serialized JSON (checked when it was produced or decoded).
void raw(writer &w, const char *key, std::string_view json_text, const char *fallback) {
  w.Key(key);
  if (json_text.empty()) json_text = fallback;
  w.RawValue(json_text.data(), json_text.size(), rapidjson::kObjectType);
}

std::string finish(rapidjson::StringBuffer &b) { return {b.GetString(), b.GetSize()}; }

status bad(const char *what, const char *field) {
  return status(RA_INVALID_ARGUMENT, std::string("malformed ") + what + " message: field '" + field + "'");
}

result<rapidjson::Document> parse_object(std::string_view text, const char *what) {
  rapidjson::Document d;
  if (auto st = json::parse(text, d); !st)
    return status(RA_INVALID_ARGUMENT, std::string("malformed ") + what + " message: " + st.message());
  if (!d.IsObject()) return status(RA_INVALID_ARGUMENT, std::string("malformed ") + what + " message: not an object");
  return d;
}

result<std::string> get_string(const rapidjson::Value &o, const char *field, const char *what, bool required = true) {
  auto it = o.FindMember(field);
  if (it == o.MemberEnd()) {
    if (required) return bad(what, field);
    return std::string();
  }
  if (!it->value.IsString()) return bad(what, field);
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

result<int64_t> get_int(const rapidjson::Value &o, const char *field, const char *what, bool required = true) {
  auto it = o.FindMember(field);
  if (it == o.MemberEnd()) {
    if (required) return bad(what, field);
    return int64_t{0};
  }
  if (!it->value.IsInt64()) return bad(what, field);
  return it->value.GetInt64();
}

result<std::string> get_raw(const rapidjson::Value &o, const char *field, const char *what, bool object_only) {
  auto it = o.FindMember(field);
  if (it == o.MemberEnd() || (object_only && !it->value.IsObject())) return bad(what, field);
  return json::to_string(it->value);
}

result<std::string> get_id(const rapidjson::Value &o, const char *what) {
  auto id = get_string(o, "id", what);
  if (!id) return id;
  if (!valid_request_id(*id)) return bad(what, "id");
  return id;
}

}  // namespace

std::string encode(const request_msg &m) {
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  str(w, "id", m.id);
  w.Key("expires_at_ms");
  w.Int64(m.expires_at_ms);
  str(w, "tool", m.tool);
  raw(w, "args", m.args_json, "{}");
  w.Key("timeout_ms");
  w.Int64(m.timeout_ms);
  str(w, "caller", m.caller);
  w.EndObject();
  return finish(b);
}

std::string encode(const reply_msg &m) {
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  str(w, "id", m.id);
  str(w, "outcome", m.outcome);
  w.Key("status");
  w.Int(m.status);
  raw(w, "result", m.result_json, "{}");
  str(w, "message", m.message);
  w.Key("duration_ms");
  w.Int64(m.duration_ms);
  w.EndObject();
  return finish(b);
}

std::string encode(const partial_msg &m) {
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  str(w, "id", m.id);
  raw(w, "data", m.data_json, "null");
  w.EndObject();
  return finish(b);
}

std::string encode(const control_msg &m) {
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  str(w, "type", m.type);
  str(w, "id", m.id);
  w.EndObject();
  return finish(b);
}

std::string encode(const info_msg &m) {
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  raw(w, "info", m.info_json, "{}");
  raw(w, "tools", m.tools_json, "[]");
  w.Key("reply_wanted");
  w.Bool(m.reply_wanted);
  w.EndObject();
  return finish(b);
}

result<request_msg> decode_request(std::string_view text) {
  const char *what = "request";
  auto d = parse_object(text, what);
  if (!d) return d.error();
  request_msg m;
  auto id = get_id(*d, what);
  if (!id) return id.error();
  m.id = std::move(*id);
  auto exp = get_int(*d, "expires_at_ms", what);
  if (!exp) return exp.error();
  m.expires_at_ms = *exp;
  auto tool = get_string(*d, "tool", what);
  if (!tool || tool->empty() || tool->size() > 64) return bad(what, "tool");
  m.tool = std::move(*tool);
  auto args = get_raw(*d, "args", what, true);
  if (!args) return args.error();
  m.args_json = std::move(*args);
  auto timeout = get_int(*d, "timeout_ms", what, false);
  if (!timeout || *timeout < 0) return bad(what, "timeout_ms");
  m.timeout_ms = *timeout;
  auto caller = get_string(*d, "caller", what, false);
  if (!caller || caller->size() > 256) return bad(what, "caller");
  m.caller = std::move(*caller);
  return m;
}

result<reply_msg> decode_reply(std::string_view text) {
  const char *what = "reply";
  auto d = parse_object(text, what);
  if (!d) return d.error();
  reply_msg m;
  auto id = get_id(*d, what);
  if (!id) return id.error();
  m.id = std::move(*id);
  auto outcome = get_string(*d, "outcome", what);
  if (!outcome || outcome->empty() || outcome->size() > 32) return bad(what, "outcome");
  m.outcome = std::move(*outcome);
  auto st = get_int(*d, "status", what);
  if (!st || *st < INT32_MIN || *st > INT32_MAX) return bad(what, "status");
  m.status = static_cast<int32_t>(*st);
  auto res = get_raw(*d, "result", what, false);
  if (!res) return res.error();
  m.result_json = std::move(*res);
  auto msg = get_string(*d, "message", what, false);
  if (!msg) return msg.error();
  m.message = std::move(*msg);
  auto dur = get_int(*d, "duration_ms", what, false);
  if (!dur) return dur.error();
  m.duration_ms = *dur;
  return m;
}

result<partial_msg> decode_partial(std::string_view text) {
  const char *what = "partial";
  auto d = parse_object(text, what);
  if (!d) return d.error();
  partial_msg m;
  auto id = get_id(*d, what);
  if (!id) return id.error();
  m.id = std::move(*id);
  auto data = get_raw(*d, "data", what, false);
  if (!data) return data.error();
  m.data_json = std::move(*data);
  return m;
}

result<control_msg> decode_control(std::string_view text) {
  const char *what = "control";
  auto d = parse_object(text, what);
  if (!d) return d.error();
  control_msg m;
  auto type = get_string(*d, "type", what);
  if (!type || *type != "cancel") return bad(what, "type");
  m.type = std::move(*type);
  auto id = get_id(*d, what);
  if (!id) return id.error();
  m.id = std::move(*id);
  return m;
}

result<info_msg> decode_info(std::string_view text) {
  const char *what = "info";
  auto d = parse_object(text, what);
  if (!d) return d.error();
  info_msg m;
  auto info = get_raw(*d, "info", what, true);
  if (!info) return info.error();
  m.info_json = std::move(*info);
  auto tools = d->FindMember("tools");
  if (tools == d->MemberEnd() || !tools->value.IsArray()) return bad(what, "tools");
  m.tools_json = json::to_string(tools->value);
  auto rw = d->FindMember("reply_wanted");
  if (rw != d->MemberEnd()) {
    if (!rw->value.IsBool()) return bad(what, "reply_wanted");
    m.reply_wanted = rw->value.GetBool();
  }
  return m;
}

bool valid_event_topic(std::string_view topic) {
  if (topic.empty() || topic.size() > 64) return false;
  for (size_t i = 0; i < topic.size(); ++i) {
    char c = topic[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

std::string encode(const event_msg &m) {
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  str(w, "topic", m.topic);
  raw(w, "data", m.data_json, "{}");
  w.EndObject();
  return finish(b);
}

result<event_msg> decode_event(std::string_view text) {
  const char *what = "event";
  if (text.size() > k_event_max_bytes + 128) return bad(what, "data");
  auto d = parse_object(text, what);
  if (!d) return d.error();
  event_msg m;
  auto topic = get_string(*d, "topic", what);
  if (!topic || !valid_event_topic(*topic)) return bad(what, "topic");
  m.topic = std::move(*topic);
  auto data = get_raw(*d, "data", what, true);
  if (!data || data->size() > k_event_max_bytes) return bad(what, "data");
  m.data_json = std::move(*data);
  return m;
}

std::string new_request_id() {
  std::array<uint8_t, k_request_id_hex / 2> bytes{};
  if (!crypto::random_bytes(bytes)) std::abort();  // no CSPRNG: nothing here can be trusted
  return to_hex(bytes);
}

bool valid_request_id(std::string_view id) {
  if (id.size() != k_request_id_hex) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace ra::peer
