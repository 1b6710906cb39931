#include "exec_tool.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>

#include "json_put.hpp"

namespace ra_exec {

const char *const input_schema = R"json({
  "type": "object",
  "properties": {
    "command": {"type": "string", "minLength": 1, "maxLength": 1048576,
                "description": "Shell command line, run with /bin/sh -c in its own process group"},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 86400000,
                   "description": "Kill the whole process group after this many ms (default: 300000)"},
    "cwd": {"type": "string", "description": "Working directory (default: the daemon's)"},
    "env": {"type": "object", "additionalProperties": {"type": "string"},
            "description": "Extra environment variables"},
    "stdin": {"type": "string", "description": "Text written to the command's standard input"},
    "max_output_bytes": {"type": "integer", "minimum": 1,
                         "description": "Per-stream output cap in bytes (default 131072)"}
  },
  "required": ["command"],
  "additionalProperties": false
})json";

const char *const output_schema = R"json({
  "type": "object",
  "properties": {
    "stdout": {"type": "string"}, "stderr": {"type": "string"},
    "stdout_base64": {"type": "string"}, "stderr_base64": {"type": "string"},
    "exit_code": {"type": "integer"}, "signal": {"type": "integer"},
    "duration_ms": {"type": "integer"}, "timed_out": {"type": "boolean"}, "cancelled": {"type": "boolean"},
    "stdout_truncated": {"type": "boolean"}, "stderr_truncated": {"type": "boolean"},
    "stdout_bytes": {"type": "integer"}, "stderr_bytes": {"type": "integer"},
    "success": {"type": "boolean"}, "sandboxed": {"type": "boolean"}
  },
  "required": ["stdout", "stderr", "exit_code", "duration_ms", "timed_out", "success"]
})json";

namespace {

bool valid_env_name(std::string_view n) {
  if (n.empty() || !(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

using ra::plugin_text::is_utf8;

// True when s[i] starts a sequence that the end of s cuts off (its bytes so far are a valid
// prefix): the chunker holds such a tail back until the rest arrives.
bool cut_off_at(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t need = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (need == 0 || i + need <= s.size()) return false;
  for (size_t k = i + 1; k < s.size(); ++k)
    if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) return false;
  return true;
}

std::string base64(std::string_view bytes) {
  static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
    out += {t[(v >> 18) & 63], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += {t[(v >> 18) & 63], t[(v >> 12) & 63], i + 1 < bytes.size() ? t[(v >> 6) & 63] : '=', '='};
  }
  return out;
}

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

using ra::plugin_text::put_text;

}  // namespace

std::optional<exec_settings> parse_settings(std::string_view config_json, std::string &error) {
  exec_settings s;
  rapidjson::Document d;
  d.Parse(config_json.data(), config_json.size());
  if (d.HasParseError() || !d.IsObject()) {
    error = "plugin config is not a JSON object";
    return std::nullopt;
  }
  for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) {
    std::string_view k(it->name.GetString());
    const auto &v = it->value;
    if (k == "shell" && v.IsString() && v.GetStringLength() > 0 && v.GetString()[0] == '/') {
      s.shell = v.GetString();
    } else if (k == "default_timeout_secs" && v.IsUint64() && v.GetUint64() > 0 && v.GetUint64() <= 86400) {
      s.default_timeout_ms = static_cast<int64_t>(v.GetUint64()) * 1000;
    } else if (k == "max_output_bytes" && v.IsUint64() && v.GetUint64() > 0) {
      s.max_output_bytes = v.GetUint64();
    } else if (k == "max_output_limit" && v.IsUint64() && v.GetUint64() > 0) {
      s.max_output_limit = v.GetUint64();
    } else if (k == "env" && v.IsObject()) {
      s.env.clear();
      for (auto e = v.MemberBegin(); e != v.MemberEnd(); ++e) {
        if (!valid_env_name(e->name.GetString()) || !e->value.IsString()) {
          error = std::string("config env: '") + e->name.GetString() + "' is not NAME = \"string\"";
          return std::nullopt;
        }
        s.env.push_back(std::string(e->name.GetString()) + "=" + e->value.GetString());
      }
    } else {
      error = "config key '" + std::string(k) +
              "' is unknown or has a bad value (keys: shell = \"/abs/path\", default_timeout_secs = 1..86400, "
              "max_output_bytes, max_output_limit, env = {NAME = \"value\"})";
      return std::nullopt;
    }
  }
  if (s.max_output_bytes > s.max_output_limit) s.max_output_limit = s.max_output_bytes;
  return s;
}

std::optional<exec_args> parse_args(std::string_view args_json, const exec_settings &s, std::string &error) {
  rapidjson::Document d;
  d.Parse(args_json.data(), args_json.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("command") || !d["command"].IsString()) {
    error = "arguments need a string 'command'";
    return std::nullopt;
  }
  exec_args a;
  a.command.assign(d["command"].GetString(), d["command"].GetStringLength());
  a.timeout_ms =
      d.HasMember("timeout_ms") && d["timeout_ms"].IsInt64() ? d["timeout_ms"].GetInt64() : s.default_timeout_ms;
  if (d.HasMember("cwd") && d["cwd"].IsString()) a.cwd = d["cwd"].GetString();
  a.env = s.env;
  if (d.HasMember("env") && d["env"].IsObject()) {
    for (auto e = d["env"].MemberBegin(); e != d["env"].MemberEnd(); ++e) {
      if (!valid_env_name(e->name.GetString())) {
        error = std::string("env: '") + e->name.GetString() + "' is not a valid variable name";
        return std::nullopt;
      }
      a.env.push_back(std::string(e->name.GetString()) + "=" + e->value.GetString());
    }
  }
  if (d.HasMember("stdin") && d["stdin"].IsString()) {
    a.has_stdin = true;
    a.stdin_data.assign(d["stdin"].GetString(), d["stdin"].GetStringLength());
  }
  a.max_output = s.max_output_bytes;
  if (d.HasMember("max_output_bytes") && d["max_output_bytes"].IsUint64()) {
    a.max_output = d["max_output_bytes"].GetUint64();
    if (a.max_output > s.max_output_limit) {
      error = "max_output_bytes " + std::to_string(a.max_output) + " exceeds this host's limit of " +
              std::to_string(s.max_output_limit);
      return std::nullopt;
    }
  }
  return a;
}

std::string utf8_chunker::feed(std::string_view bytes) {
  held_.append(bytes);
  // Find the last position where a sequence starts and is incomplete.
  size_t cut = held_.size();
  for (size_t back = 1; back <= 3 && back <= held_.size(); ++back) {
    size_t i = held_.size() - back;
    unsigned char c = static_cast<unsigned char>(held_[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    if (cut_off_at(held_, i)) cut = i;
    break;
  }
  std::string out = held_.substr(0, cut);
  held_.erase(0, cut);
  return out;
}

std::string utf8_chunker::flush() {
  std::string out;
  out.swap(held_);
  return out;
}

std::string partial_event(int stream, std::string_view data) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  w.Key("stream");
  w.String(stream == RA_SPAWN_STDERR ? "stderr" : "stdout");
  put_text(w, "data", std::string(data));
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string result_json(const std::string &out, const std::string &err_in, const ra_spawn_result_t &r,
                        int64_t timeout_ms) {
  std::string err = err_in;
  // The reference appends this line; kept so that its users' expectations hold.
  if (r.timed_out)
    err += std::string(err.empty() ? "" : "\n") + "[command timed out after " + std::to_string(timeout_ms) + "ms]";
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  put_text(w, "stdout", out);
  put_text(w, "stderr", err);
  if (!is_utf8(out)) w.Key("stdout_base64"), w.String(base64(out).c_str());
  if (!is_utf8(err)) w.Key("stderr_base64"), w.String(base64(err).c_str());
  w.Key("exit_code"), w.Int(r.exit_code);
  w.Key("signal"), w.Int(r.term_signal);
  w.Key("duration_ms"), w.Int64(r.duration_ms);
  w.Key("timed_out"), w.Bool(r.timed_out);
  w.Key("cancelled"), w.Bool(r.cancelled);
  w.Key("stdout_truncated"), w.Bool(r.stdout_truncated);
  w.Key("stderr_truncated"), w.Bool(r.stderr_truncated);
  w.Key("stdout_bytes"), w.Uint64(r.stdout_bytes);
  w.Key("stderr_bytes"), w.Uint64(r.stderr_bytes);
  w.Key("success"), w.Bool(r.exit_code == 0 && !r.timed_out && !r.cancelled);
  w.Key("sandboxed"), w.Bool(r.sandboxed);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace ra_exec
