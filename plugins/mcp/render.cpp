#include "render.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

#include "jsonrpc.hpp"

namespace ra::mcp {
namespace {

using value = rapidjson::Value;

std::string str(const value &o, const char *key) {
  if (!o.IsObject()) return {};
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                     : std::string();
}

bool flag(const value &o, const char *key) {
  if (!o.IsObject()) return false;
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

std::string pretty(const value &v) {
  rapidjson::StringBuffer b;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(b);
  w.SetIndent(' ', 2);
  v.Accept(w);
  return {b.GetString(), b.GetSize()};
}

std::string compact(const value &v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return {b.GetString(), b.GetSize()};
}

bool exec_shaped(const value &r) {
  return r.IsObject() && r.HasMember("exit_code") && r.HasMember("stdout") && r.HasMember("stderr");
}

// The reference's exec text: stdout, then stderr after a marker, then "[exit code: c, N ms]" with
// ", TIMED OUT" when the timeout killed it; ours also says when output was cut.
std::string exec_text(const value &r) {
  std::string out = str(r, "stdout"), err = str(r, "stderr");
  if (r.HasMember("stdout_base64"))
    out =
        "(stdout is binary: " + std::to_string(str(r, "stdout_base64").size()) + " base64 chars in structuredContent)";
  if (r.HasMember("stderr_base64")) err = "(stderr is binary)";
  std::string text = out;
  if (!err.empty()) {
    if (!out.empty()) text += std::string(out.back() == '\n' ? "" : "\n") + "--- stderr ---\n";
    text += err;
  }
  std::string tail = "[exit code: ";
  tail += r["exit_code"].IsInt() ? std::to_string(r["exit_code"].GetInt()) : std::string("none");
  if (r.HasMember("signal") && r["signal"].IsInt() && r["signal"].GetInt() != 0)
    tail += ", signal " + std::to_string(r["signal"].GetInt());
  if (r.HasMember("duration_ms") && r["duration_ms"].IsInt64())
    tail += ", " + std::to_string(r["duration_ms"].GetInt64()) + "ms";
  if (flag(r, "timed_out")) tail += ", TIMED OUT";
  if (flag(r, "stdout_truncated") || flag(r, "stderr_truncated")) tail += ", output truncated";
  tail += "]";
  return text + (text.empty() || text.back() == '\n' ? "" : "\n") + tail;
}

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string ok_text(std::string_view tool, const value &r) {
  if (exec_shaped(r)) return exec_text(r);
  if (tool == "set_mode" && r.IsObject() && r.HasMember("mode")) return "Mode set to " + capitalised(str(r, "mode"));
  if (tool == "read_file" && r.IsObject() && r.HasMember("content") && r["content"].IsString()) {
    std::string t = str(r, "content");
    if (r.HasMember("size") && r["size"].IsUint64()) t += "\n[" + std::to_string(r["size"].GetUint64()) + " bytes]";
    return t;
  }
  return pretty(r);
}

// Why a call did not run, in words the model can act on.
std::string failure_text(std::string_view tool, const std::string &outcome, const std::string &message,
                         const std::string &host) {
  std::string where = host.empty() ? "" : " on " + host;
  if (outcome == "invalid") return "Invalid arguments for tool '" + std::string(tool) + "': " + message;
  if (outcome == "denied") return "Refused by the safety policy" + where + ": " + message;
  if (outcome == "timeout") return "Timed out" + where + ": " + message;
  if (outcome == "cancelled") return "Cancelled" + where + ": " + message;
  if (outcome == "unreachable") return "Host unreachable" + where + ": " + message;
  return "Execution failed" + where + ": " + message;
}

}  // namespace

tool_result render_single(std::string_view tool, std::string_view doc_json) {
  tool_result r;
  rapidjson::Document d;
  d.Parse(doc_json.data(), doc_json.size());
  if (!d.IsObject()) return error_result("Execution failed: the host returned an unreadable result");
  std::string outcome = str(d, "outcome");
  std::string host = d.HasMember("host") ? str(d["host"], "name") : "";
  bool local = d.HasMember("host") && flag(d["host"], "local");
  if (outcome != "ok") {
    // No `result` member rather than null: clients check structuredContent against the output
    // schema even on errors, and the schema's `result` is the tool's own object schema.
    d.RemoveMember("result");
    r.structured_json = compact(d);
    r.is_error = true;
    r.text = failure_text(tool, outcome, str(d, "message"), local ? "" : host);
    return r;
  }
  r.structured_json = compact(d);
  static const value null_value;
  r.text = ok_text(tool, d.HasMember("result") ? d["result"] : null_value);
  return r;
}

tool_result render_fleet(std::string_view, std::string_view doc_json) {
  tool_result r;
  rapidjson::Document d;
  d.Parse(doc_json.data(), doc_json.size());
  if (!d.IsObject()) return error_result("Execution failed: the fleet call returned an unreadable result");
  r.structured_json = compact(d);
  r.text = str(d, "text");
  // isError only when nothing ran anywhere: a partly failed fleet call is a result to read.
  bool any_ran = false;
  if (d.HasMember("hosts") && d["hosts"].IsArray())
    for (auto &h : d["hosts"].GetArray()) any_ran = any_ran || str(h, "outcome") == "ok";
  r.is_error = !any_ran;
  return r;
}

tool_result error_result(std::string text) {
  tool_result r;
  r.text = std::move(text);
  r.is_error = true;
  return r;
}

std::string result_json(const tool_result &r, bool modern) {
  std::string out = "{\"content\":[{\"type\":\"text\",\"text\":" + quote(r.text) + "}]";
  if (modern && !r.structured_json.empty()) out += ",\"structuredContent\":" + r.structured_json;
  if (r.is_error) out += ",\"isError\":true";
  return out + "}";
}

std::string event_text(std::string_view from_json, std::string_view topic, std::string_view data_json) {
  rapidjson::Document from, data;
  from.Parse(from_json.data(), from_json.size());
  data.Parse(data_json.data(), data_json.size());
  auto member = [](const rapidjson::Document &d, const char *k) -> std::string {
    if (d.HasParseError() || !d.IsObject()) return {};
    auto it = d.FindMember(k);
    return it != d.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString()) : std::string();
  };
  std::string host = member(from, "name");
  if (host.empty()) host = member(from, "agent_id");
  if (host.empty()) host = member(from, "peer_id");
  if (host.empty()) host = "an unknown host";
  if (topic != "task.finished") return std::string(topic) + " from " + host;
  std::string text = "task " + member(data, "id") + " on " + host + " finished: " + member(data, "state");
  std::string detail;
  if (data.IsObject()) {
    if (auto it = data.FindMember("exit_code"); it != data.MemberEnd() && it->value.IsInt())
      detail = "exit code " + std::to_string(it->value.GetInt());
    if (auto it = data.FindMember("duration_ms"); it != data.MemberEnd() && it->value.IsInt64()) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.1f s", static_cast<double>(it->value.GetInt64()) / 1000.0);
      detail += (detail.empty() ? "" : ", ") + std::string(secs);
    }
  }
  std::string error = member(data, "error");
  if (!error.empty()) detail += (detail.empty() ? "" : "; ") + error;
  return detail.empty() ? text : text + " (" + detail + ")";
}

}  // namespace ra::mcp
