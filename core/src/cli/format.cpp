#include "cli/format.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "dispatch/result_shape.hpp"
#include "util/json.hpp"

namespace ra::cli {

std::string outcome_json(const dispatch::outcome &o) {
  rapidjson::Document result;
  bool parsed = json::parse(o.result_json, result).is_ok();
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("status");
  w.String(ra_status_name(o.status));
  w.Key("outcome");
  auto kind = dispatch::outcome_name(o.kind);
  w.String(kind.data(), static_cast<rapidjson::SizeType>(kind.size()));
  if (!o.message.empty()) {
    w.Key("message");
    std::string m = json::to_valid_utf8(o.message);
    w.String(m.c_str(), static_cast<rapidjson::SizeType>(m.size()));
  }
  w.Key("duration_ms");
  w.Int64(o.duration_ms);
  w.Key("result");
  if (parsed)
    result.Accept(w);
  else
    w.StartObject(), w.EndObject();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

namespace {
bool result_bool(const std::string &result_json, const char *key, bool value) {
  rapidjson::Document d;
  return json::parse(result_json, d) && dispatch::result_flag(d, key, value);
}
}  // namespace

bool result_says_failure(const std::string &result_json) { return result_bool(result_json, "success", false); }
bool result_says_timed_out(const std::string &result_json) { return result_bool(result_json, "timed_out", true); }

std::string render_result(std::string_view, const std::string &result_json, bool streamed) {
  rapidjson::Document d;
  if (!json::parse(result_json, d) || !d.IsObject()) return result_json + "\n";
  if (!dispatch::is_exec_shaped(d)) return json::to_pretty_string(d) + "\n";

  std::string out;
  if (!streamed) {
    out = dispatch::exec_output(d);
    if (!out.empty() && out.back() != '\n') out += "\n";
  }
  out += "[exit code: ";
  out += d["exit_code"].IsInt() ? std::to_string(d["exit_code"].GetInt()) : "?";
  if (d.HasMember("signal") && d["signal"].IsInt() && d["signal"].GetInt() != 0)
    out += ", signal " + std::to_string(d["signal"].GetInt());
  if (d.HasMember("duration_ms") && d["duration_ms"].IsInt64())
    out += ", " + std::to_string(d["duration_ms"].GetInt64()) + " ms";
  auto flag = [&](const char *key, const char *text) {
    if (d.HasMember(key) && d[key].IsBool() && d[key].GetBool()) out += std::string(", ") + text;
  };
  flag("timed_out", "TIMED OUT");
  flag("cancelled", "CANCELLED");
  flag("stdout_truncated", "stdout truncated");
  flag("stderr_truncated", "stderr truncated");
  out += "]\n";
  return out;
}

}  // namespace ra::cli
