// job_store.cpp — see job_store.hpp.
#include "job_store.hpp"

namespace ra_sched {

std::string job::dispatch_args() const {
  if (command.empty()) return args_json.empty() ? "{}" : args_json;
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  w.StartObject();
  w.Key("command");
  w.String(command.c_str(), static_cast<rapidjson::SizeType>(command.size()));
  w.EndObject();
  return sb.GetString();
}

void put(json_writer &w, const char *k, const std::string &v) {
  w.Key(k);
  w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
}

void write_record(json_writer &w, const run_record &r, const std::string *job_name, bool iso) {
  w.StartObject();
  if (job_name) put(w, "job", *job_name);
  if (iso) put(w, "time", iso8601_utc(r.time_ms, true));
  w.Key("time_ms");
  w.Int64(r.time_ms);
  put(w, "outcome", r.outcome);
  put(w, "message", r.message);
  w.Key("duration_ms");
  w.Int64(r.duration_ms);
  w.EndObject();
}

std::string str(const rapidjson::Value &o, const char *k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                     : std::string();
}

int64_t i64(const rapidjson::Value &o, const char *k, int64_t def) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : def;
}

std::optional<std::vector<job>> decode_jobs(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("jobs") || !d["jobs"].IsArray()) return std::nullopt;
  std::vector<job> jobs;
  for (auto &o : d["jobs"].GetArray()) {
    if (!o.IsObject()) continue;
    job j;
    j.name = str(o, "name");
    j.cron = str(o, "cron");
    j.timezone = str(o, "timezone");
    j.command = str(o, "command");
    j.tool = str(o, "tool");
    j.args_json = str(o, "args_json");
    j.splay_ms = i64(o, "splay_ms", 0);
    j.missed = str(o, "missed");
    j.created_ms = i64(o, "created_ms", 0);
    j.cursor = i64(o, "cursor", 0);
    j.last_run_ms = i64(o, "last_run_ms", -1);
    j.last_outcome = str(o, "last_outcome");
    j.last_message = str(o, "last_message");
    // Written with Uint64: read it back as one. (Reading it as an int64 turned -1 into 2^64-1, which
    // was saved as such and read back as 0 — found by tests/fuzz/fuzz_scheduler_store.)
    auto rc = o.FindMember("run_count");
    j.run_count = rc != o.MemberEnd() && rc->value.IsUint64() ? rc->value.GetUint64() : 0;
    if (o.HasMember("history") && o["history"].IsArray())
      for (auto &h : o["history"].GetArray()) {
        if (!h.IsObject()) continue;
        j.history.push_back({i64(h, "time_ms", 0), str(h, "outcome"), str(h, "message"), i64(h, "duration_ms", 0)});
      }
    jobs.push_back(std::move(j));
  }
  return jobs;
}

std::string encode_jobs(const std::vector<job> &jobs) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  w.StartObject();
  w.Key("version");
  w.Int(1);
  w.Key("jobs");
  w.StartArray();
  for (auto &j : jobs) {
    w.StartObject();
    put(w, "name", j.name);
    put(w, "cron", j.cron);
    put(w, "timezone", j.timezone);
    put(w, "command", j.command);
    put(w, "tool", j.tool);
    put(w, "args_json", j.args_json);
    w.Key("splay_ms");
    w.Int64(j.splay_ms);
    put(w, "missed", j.missed);
    w.Key("created_ms");
    w.Int64(j.created_ms);
    w.Key("cursor");
    w.Int64(j.cursor);
    w.Key("last_run_ms");
    w.Int64(j.last_run_ms);
    put(w, "last_outcome", j.last_outcome);
    put(w, "last_message", j.last_message);
    w.Key("run_count");
    w.Uint64(j.run_count);
    w.Key("history");
    w.StartArray();
    for (auto &h : j.history) write_record(w, h, nullptr, false);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

bool valid_job_name(std::string_view n) {
  if (n.empty() || n.size() > 128) return false;
  for (char ch : n)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
          ch == '.'))
      return false;
  return true;
}

std::optional<add_request> parse_add_args(std::string_view args_json, const std::string &default_timezone,
                                          const std::function<bool(const std::string &)> &has_tool, add_error &code,
                                          std::string &error) {
  auto fail = [&](add_error c, std::string msg) {
    code = c;
    error = std::move(msg);
    return std::nullopt;
  };
  code = add_error::none;
  rapidjson::Document d;
  d.Parse(args_json.data(), args_json.size());
  if (d.HasParseError() || !d.IsObject()) return fail(add_error::invalid_argument, "arguments are not an object");
  add_request r;
  job &j = r.j;
  j.name = str(d, "name");
  j.cron = str(d, "cron");
  j.command = str(d, "command");
  j.tool = str(d, "tool");
  bool has_cmd = d.HasMember("command"), has_tool_arg = d.HasMember("tool");
  if (!valid_job_name(j.name))
    return fail(add_error::invalid_argument, "name must be 1-128 characters of A-Z a-z 0-9 . _ -");
  if (has_cmd == has_tool_arg)
    return fail(add_error::invalid_argument, "give exactly one of command (a shell command) or tool (+ args)");
  if (has_cmd && j.command.empty()) return fail(add_error::invalid_argument, "command is empty");
  if (d.HasMember("args") && !has_tool_arg) return fail(add_error::invalid_argument, "args go with tool, not command");
  if (has_cmd && !has_tool("exec"))
    return fail(add_error::failed_precondition,
                "command jobs run with the exec tool, which this host does not have (load the exec plugin)");
  if (has_tool_arg) {
    if (j.tool.empty()) return fail(add_error::invalid_argument, "tool is empty");
    if (j.tool.rfind("schedule_", 0) == 0)
      return fail(add_error::invalid_argument, "a job cannot call the scheduler's own tools");
    if (!has_tool(j.tool)) return fail(add_error::invalid_argument, "no tool named '" + j.tool + "' on this host");
    j.args_json = "{}";
    if (d.HasMember("args")) {
      rapidjson::StringBuffer sb;
      json_writer w(sb);
      d["args"].Accept(w);
      j.args_json = sb.GetString();
    }
  }
  std::string err;
  auto expr = parse_cron(j.cron, err);
  if (!expr) return fail(add_error::invalid_argument, err);
  r.expr = *expr;
  j.timezone = d.HasMember("timezone") ? str(d, "timezone") : default_timezone;
  r.zone = find_time_zone(j.timezone, err);
  if (!r.zone) return fail(add_error::invalid_argument, err);
  if (d.HasMember("splay_ms")) {
    // The tool schema makes it an integer 0..3600000, but GetInt64 on anything else is an assertion
    // failure (or garbage with NDEBUG), and the runner computes splay_ms + 1: check here too.
    const auto &v = d["splay_ms"];
    if (!v.IsInt64() || v.GetInt64() < 0 || v.GetInt64() > 3'600'000)
      return fail(add_error::invalid_argument, "splay_ms must be an integer 0..3600000");
    j.splay_ms = v.GetInt64();
  }
  if (d.HasMember("missed")) j.missed = str(d, "missed");
  return r;
}

}  // namespace ra_sched
