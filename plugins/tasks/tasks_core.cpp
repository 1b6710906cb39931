#include "tasks_core.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "json_put.hpp"
namespace ra_tasks {
namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Prompts and CLI output are bytes from outside: ill-formed UTF-8 becomes U+FFFD, or the document
// would not be JSON the core accepts.
void put(writer &w, const char *k, std::string_view v) { ra::plugin_text::put_text(w, k, v); }
void put_opt_str(writer &w, const char *k, const std::string &v) {
  w.Key(k);
  if (v.empty())
    w.Null();
  else
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

bool string_array(const rapidjson::Value &v, std::vector<std::string> &out) {
  if (!v.IsArray() || v.Empty()) return false;
  out.clear();
  for (const auto &e : v.GetArray()) {
    if (!e.IsString()) return false;
    out.emplace_back(e.GetString(), e.GetStringLength());
  }
  return !out[0].empty();
}

bool default_is_executable(const std::string &p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

void replace_all(std::string &s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
}

// Length of the longest prefix of s that does not end inside a UTF-8 sequence... from the front:
// index of the first byte that starts a sequence at or after `from`.
size_t utf8_start_at_or_after(std::string_view s, size_t from) {
  while (from < s.size() && (static_cast<unsigned char>(s[from]) & 0xC0) == 0x80) ++from;
  return from;
}

}  // namespace

const char *const kStoppedReason = "the daemon stopped while the task ran";

std::optional<settings> parse_settings(std::string_view config_json, std::string &error) {
  settings s;
  s.runners.push_back({"claude",
                       {"claude", "-p", "{prompt}", "--output-format", "text"},
                       {"claude", "-p", "{prompt}", "--resume", "{session_id}"},
                       {"--permission-mode", "plan"}});
  s.runners.push_back({"opencode",
                       {"opencode", "run", "{prompt}"},
                       {"opencode", "run", "--session", "{session_id}", "{prompt}"},
                       {"--agent", "plan"}});
  rapidjson::Document d;
  d.Parse(config_json.data(), config_json.size());
  if (d.HasParseError() || !d.IsObject()) {
    error = "plugin config is not a JSON object";
    return std::nullopt;
  }
  for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) {
    std::string_view k(it->name.GetString());
    const auto &v = it->value;
    if (k == "plan" && v.IsString() && (std::string_view(v.GetString()) == "sandboxed")) {
      s.plan = plan_policy::sandboxed;
    } else if (k == "plan" && v.IsString() && (std::string_view(v.GetString()) == "refuse")) {
      s.plan = plan_policy::refuse;
    } else if (k == "max_running" && v.IsUint() && v.GetUint() >= 1 && v.GetUint() <= 64) {
      s.max_running = v.GetUint();
    } else if (k == "max_output" && v.IsUint64() && v.GetUint64() >= 1024 && v.GetUint64() <= (64u << 20)) {
      s.max_output = v.GetUint64();
    } else if (k == "default_timeout_ms" && v.IsInt64() && v.GetInt64() > 0 && v.GetInt64() <= s.max_timeout_ms) {
      s.default_timeout_ms = v.GetInt64();
    } else if (k == "runners" && v.IsObject()) {
      for (auto r = v.MemberBegin(); r != v.MemberEnd(); ++r) {
        runner_def def;
        def.name = r->name.GetString();
        bool ok = !def.name.empty() && def.name.find_first_of(" \t\n") == std::string::npos;
        if (ok && r->value.IsArray()) {
          ok = string_array(r->value, def.run);
        } else if (ok && r->value.IsObject()) {
          for (auto f = r->value.MemberBegin(); ok && f != r->value.MemberEnd(); ++f) {
            std::string_view fk(f->name.GetString());
            if (fk == "run")
              ok = string_array(f->value, def.run);
            else if (fk == "resume")
              ok = string_array(f->value, def.resume);
            else if (fk == "plan_args")
              ok = string_array(f->value, def.plan_args) || (f->value.IsArray() && f->value.Empty());
            else
              ok = false;
          }
          ok = ok && !def.run.empty();
        } else {
          ok = false;
        }
        if (ok && !def.resume.empty()) {
          bool has_sid = std::any_of(def.resume.begin(), def.resume.end(),
                                     [](const std::string &a) { return a.find("{session_id}") != std::string::npos; });
          ok = has_sid;
        }
        if (!ok) {
          error = "runners." + def.name +
                  ": expected [\"program\", \"arg\", \"{prompt}\", …] or {run = [...], resume = [... \"{session_id}\" "
                  "...], plan_args = [...]}";
          return std::nullopt;
        }
        auto existing =
            std::find_if(s.runners.begin(), s.runners.end(), [&](const runner_def &x) { return x.name == def.name; });
        if (existing != s.runners.end()) {
          // A configured template replaces the built-in; without its own resume there is none.
          *existing = std::move(def);
        } else {
          s.runners.push_back(std::move(def));
        }
      }
    } else {
      error = "config key '" + std::string(k) +
              "' is unknown or has a bad value (keys: runners = {name = [argv…]}, plan = \"sandboxed\"|\"refuse\", "
              "max_running = 1..64, max_output = 1024..67108864, default_timeout_ms)";
      return std::nullopt;
    }
  }
  return s;
}

const runner_def *find_runner(const settings &s, std::string_view name) {
  for (const auto &r : s.runners)
    if (r.name == name) return &r;
  return nullptr;
}

bool valid_session_id(std::string_view id) {
  if (id.empty() || id.size() > 200 || id[0] == '-') return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' || c == '-')) return false;
  return true;
}

std::optional<std::vector<std::string>> expand(const runner_def &r, std::string_view prompt,
                                               std::string_view session_id, std::string &error, bool plan) {
  bool resume = !session_id.empty();
  if (resume && r.resume.empty()) {
    error = "runner '" + r.name + "' has no resume template (configure runners." + r.name + ".resume)";
    return std::nullopt;
  }
  if (resume && !valid_session_id(session_id)) {
    error = "session_id must be 1..200 characters of [A-Za-z0-9._:-] and not start with '-'";
    return std::nullopt;
  }
  const auto &tmpl = resume ? r.resume : r.run;
  if (tmpl.empty() || tmpl[0].empty()) {
    error = "runner '" + r.name + "' has an empty command";
    return std::nullopt;
  }
  std::string p(prompt);
  if (!p.empty() && p[0] == '-') p.insert(0, " ");
  std::vector<std::string> argv;
  bool had_prompt = false;
  for (const auto &a : tmpl) {
    std::string e = a;
    if (e.find("{prompt}") != std::string::npos) had_prompt = true;
    // Session id first: a prompt containing "{session_id}" must stay the prompt's own text.
    replace_all(e, "{session_id}", session_id);
    replace_all(e, "{prompt}", p);
    argv.push_back(std::move(e));
  }
  if (!had_prompt) argv.push_back(p);
  if (plan) argv.insert(argv.end(), r.plan_args.begin(), r.plan_args.end());
  return argv;
}

const runner_def *detect_runner(const settings &s, std::string_view path_env,
                                bool (*is_executable)(const std::string &)) {
  if (!is_executable) is_executable = default_is_executable;
  for (const auto &r : s.runners) {
    const std::string &prog = r.run[0];
    if (prog.find('/') != std::string::npos) {
      if (is_executable(prog)) return &r;
      continue;
    }
    size_t start = 0;
    while (start <= path_env.size()) {
      size_t end = path_env.find(':', start);
      if (end == std::string_view::npos) end = path_env.size();
      std::string dir(path_env.substr(start, end - start));
      if (dir.empty()) dir = ".";
      if (is_executable(dir + "/" + prog)) return &r;
      start = end + 1;
    }
  }
  return nullptr;
}

std::string runner_names(const settings &s) {
  std::string out;
  for (const auto &r : s.runners) {
    if (!out.empty()) out += ", ";
    out += r.name + " (" + r.run[0] + ")";
  }
  return out;
}

const char *state_name(state s) {
  switch (s) {
    case state::queued:
      return "queued";
    case state::running:
      return "running";
    case state::done:
      return "done";
    case state::failed:
      return "failed";
    case state::cancelled:
      return "cancelled";
  }
  return "failed";
}

std::optional<state> parse_state(std::string_view s) {
  for (state st : {state::queued, state::running, state::done, state::failed, state::cancelled})
    if (s == state_name(st)) return st;
  return std::nullopt;
}

bool is_final(state s) { return s == state::done || s == state::failed || s == state::cancelled; }

bool can_transition(state from, state to) {
  switch (from) {
    case state::queued:
      return to == state::running || to == state::cancelled || to == state::failed;
    case state::running:
      return to == state::done || to == state::failed || to == state::cancelled;
    default:
      return false;
  }
}

bool transition(task &t, state to, int64_t now_ms) {
  if (!can_transition(t.st, to)) return false;
  t.st = to;
  if (to == state::running) t.started_ms = now_ms;
  if (is_final(to)) t.finished_ms = now_ms;
  return true;
}

void append_output(task &t, std::string_view data, uint64_t cap) {
  t.output_bytes += data.size();
  if (data.size() >= cap) {
    size_t from = utf8_start_at_or_after(data, data.size() - cap);
    t.output.assign(data.substr(from));
    t.output_truncated = true;
    return;
  }
  t.output.append(data);
  if (t.output.size() > cap) {
    size_t from = utf8_start_at_or_after(t.output, t.output.size() - cap);
    t.output.erase(0, from);
    t.output_truncated = true;
  }
}

std::string iso8601(int64_t ms) {
  if (ms <= 0) return {};
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

namespace {
void common_fields(writer &w, const task &t, bool full_prompt) {
  put(w, "id", t.id);
  put(w, "state", state_name(t.st));
  put(w, "runner", t.runner);
  std::string_view prompt = t.prompt;
  if (!full_prompt && prompt.size() > 200) {
    size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(prompt[cut]) & 0xC0) == 0x80) --cut;
    prompt = prompt.substr(0, cut);
  }
  put(w, "prompt", prompt);
  put_opt_str(w, "cwd", t.cwd);
  put_opt_str(w, "session_id", t.session_id);
  put(w, "created", iso8601(t.created_ms));
  put_opt_str(w, "started", iso8601(t.started_ms));
  put_opt_str(w, "finished", iso8601(t.finished_ms));
  w.Key("duration_ms");
  if (t.started_ms && t.finished_ms)
    w.Int64(t.finished_ms - t.started_ms);
  else
    w.Null();
  w.Key("exit_code");
  if (t.exit_code)
    w.Int(*t.exit_code);
  else
    w.Null();
  put_opt_str(w, "error", t.error);
}
}  // namespace

std::string task_json(const task &t) {
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  common_fields(w, t, true);
  w.Key("timeout_ms");
  w.Int64(t.timeout_ms);
  put(w, "output", t.output);
  w.Key("output_truncated");
  w.Bool(t.output_truncated);
  w.Key("output_bytes");
  w.Uint64(t.output_bytes);
  w.EndObject();
  return sb.GetString();
}

std::string summary_json(const task &t) {
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  common_fields(w, t, false);
  w.Key("output_bytes");
  w.Uint64(t.output_bytes);
  w.EndObject();
  return sb.GetString();
}

std::string finished_event_json(const task &t) {
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  common_fields(w, t, false);
  constexpr size_t tail_cap = 2048;
  size_t from = t.output.size() > tail_cap ? utf8_start_at_or_after(t.output, t.output.size() - tail_cap) : 0;
  put(w, "output_tail", std::string_view(t.output).substr(from));
  w.Key("output_bytes");
  w.Uint64(t.output_bytes);
  w.EndObject();
  return sb.GetString();
}

std::string store_json(const task &t) {
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  w.Key("v");
  w.Int(1);
  put(w, "id", t.id);
  put(w, "prompt", t.prompt);
  put(w, "cwd", t.cwd);
  put(w, "runner", t.runner);
  put(w, "session_id", t.session_id);
  w.Key("argv");
  w.StartArray();
  for (const auto &a : t.argv) w.String(a.data(), static_cast<rapidjson::SizeType>(a.size()));
  w.EndArray();
  put(w, "caller", t.caller);
  put(w, "reply_to", t.reply_to);
  put(w, "state", state_name(t.st));
  w.Key("timeout_ms");
  w.Int64(t.timeout_ms);
  w.Key("created_ms");
  w.Int64(t.created_ms);
  w.Key("started_ms");
  w.Int64(t.started_ms);
  w.Key("finished_ms");
  w.Int64(t.finished_ms);
  w.Key("exit_code");
  if (t.exit_code)
    w.Int(*t.exit_code);
  else
    w.Null();
  put(w, "error", t.error);
  put(w, "output", t.output);
  w.Key("output_truncated");
  w.Bool(t.output_truncated);
  w.Key("output_bytes");
  w.Uint64(t.output_bytes);
  w.EndObject();
  return sb.GetString();
}

std::optional<task> from_store_json(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  auto str = [&](const char *k, std::string &out) {
    auto it = d.FindMember(k);
    if (it == d.MemberEnd() || !it->value.IsString()) return false;
    out.assign(it->value.GetString(), it->value.GetStringLength());
    return true;
  };
  auto i64 = [&](const char *k, int64_t &out) {
    auto it = d.FindMember(k);
    if (it == d.MemberEnd() || !it->value.IsInt64()) return false;
    out = it->value.GetInt64();
    return true;
  };
  task t;
  std::string st;
  if (!str("id", t.id) || t.id.empty() || !str("prompt", t.prompt) || !str("cwd", t.cwd) || !str("runner", t.runner) ||
      !str("session_id", t.session_id) || !str("caller", t.caller) || !str("state", st) || !str("error", t.error) ||
      !str("output", t.output) || !i64("timeout_ms", t.timeout_ms) || !i64("created_ms", t.created_ms) ||
      !i64("started_ms", t.started_ms) || !i64("finished_ms", t.finished_ms))
    return std::nullopt;
  auto parsed = parse_state(st);
  if (!parsed) return std::nullopt;
  t.st = *parsed;
  auto argv = d.FindMember("argv");
  if (argv == d.MemberEnd() || !argv->value.IsArray()) return std::nullopt;
  for (const auto &a : argv->value.GetArray()) {
    if (!a.IsString()) return std::nullopt;
    t.argv.emplace_back(a.GetString(), a.GetStringLength());
  }
  if (auto rt = d.FindMember("reply_to"); rt != d.MemberEnd() && rt->value.IsString())  // absent before 0.3
    t.reply_to.assign(rt->value.GetString(), rt->value.GetStringLength());
  auto ec = d.FindMember("exit_code");
  if (ec != d.MemberEnd() && ec->value.IsInt()) t.exit_code = ec->value.GetInt();
  auto tr = d.FindMember("output_truncated");
  t.output_truncated = tr != d.MemberEnd() && tr->value.IsBool() && tr->value.GetBool();
  auto ob = d.FindMember("output_bytes");
  t.output_bytes = ob != d.MemberEnd() && ob->value.IsUint64() ? ob->value.GetUint64() : t.output.size();
  return t;
}

bool recover(task &t, int64_t now_ms) {
  if (t.st != state::running) return false;
  t.st = state::failed;
  t.finished_ms = now_ms;
  t.error = kStoppedReason;
  return true;
}

std::string new_task_id() {
  unsigned char rnd[12];
  size_t got = 0;
  while (got < sizeof rnd) {
    ssize_t n = ::getrandom(rnd + got, sizeof rnd - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    got += static_cast<size_t>(n);
  }
  static const char hex[] = "0123456789abcdef";
  std::string id = "t-";
  for (unsigned char c : rnd) {
    id += hex[c >> 4];
    id += hex[c & 15];
  }
  return id;
}

bool store_write(const std::string &dir, const task &t, std::string &error) {
  if (t.id.empty() || t.id.find('/') != std::string::npos || t.id[0] == '.') {
    error = "bad task id";
    return false;
  }
  std::string data = store_json(t);
  std::string final_path = dir + "/" + t.id + ".json";
  std::string tmp = dir + "/." + t.id + ".json.tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    error = "cannot create " + tmp + ": " + std::strerror(errno);
    return false;
  }
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = "cannot write " + tmp + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return false;
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    error = "cannot fsync " + tmp + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    error = "cannot rename " + tmp + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

std::vector<task> store_load(const std::string &dir, std::vector<std::string> &skipped) {
  std::vector<task> out;
  DIR *d = ::opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent *e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.' || name.size() < 6 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    std::string path = dir + "/" + name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      skipped.push_back(name);
      continue;
    }
    std::string data;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
    ::close(fd);
    auto t = from_store_json(data);
    if (!t || t->id + ".json" != name) {
      skipped.push_back(name);
      continue;
    }
    out.push_back(std::move(*t));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const task &a, const task &b) {
    return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.id < b.id;
  });
  return out;
}

std::optional<dispatch_args> parse_dispatch(std::string_view json, const settings &s, std::string &error) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) {
    error = "arguments are not a JSON object";
    return std::nullopt;
  }
  dispatch_args a;
  a.timeout_ms = s.default_timeout_ms;
  for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) {
    std::string_view k(it->name.GetString());
    const auto &v = it->value;
    if (k == "prompt" && v.IsString())
      a.prompt.assign(v.GetString(), v.GetStringLength());
    else if (k == "cwd" && v.IsString())
      a.cwd.assign(v.GetString(), v.GetStringLength());
    else if (k == "runner" && v.IsString())
      a.runner.assign(v.GetString(), v.GetStringLength());
    else if (k == "session_id" && v.IsString())
      a.session_id.assign(v.GetString(), v.GetStringLength());
    else if (k == "timeout_ms" && v.IsInt64())
      a.timeout_ms = v.GetInt64();
    else {
      error = "unknown or malformed argument '" + std::string(k) + "'";
      return std::nullopt;
    }
  }
  if (a.prompt.empty() || a.prompt.find('\0') != std::string::npos) {
    error = "prompt must be a non-empty string";
    return std::nullopt;
  }
  if (a.timeout_ms <= 0 || a.timeout_ms > s.max_timeout_ms) {
    error = "timeout_ms must be 1.." + std::to_string(s.max_timeout_ms);
    return std::nullopt;
  }
  if (!a.cwd.empty() && a.cwd[0] != '/') {
    error = "cwd must be an absolute path";
    return std::nullopt;
  }
  if (!a.session_id.empty() && !valid_session_id(a.session_id)) {
    error = "session_id must be 1..200 characters of [A-Za-z0-9._:-] and not start with '-'";
    return std::nullopt;
  }
  return a;
}

const char *const dispatch_schema = R"json({"type":"object","properties":{
"prompt":{"type":"string","minLength":1,"description":"What the AI CLI is asked to do (passed as one argv element, never through a shell)"},
"cwd":{"type":"string","description":"Absolute working directory of the run (default: the daemon's)"},
"timeout_ms":{"type":"integer","minimum":1,"description":"Kill the run after this long (default 3600000)"},
"runner":{"type":"string","description":"claude, opencode or a configured runner name (default: the first found on PATH)"},
"session_id":{"type":"string","description":"Resume this CLI session (the runner's resume template)"}},
"required":["prompt"],"additionalProperties":false})json";

const char *const get_schema =
    R"json({"type":"object","properties":{"id":{"type":"string","minLength":1}},"required":["id"],"additionalProperties":false})json";

const char *const list_schema = R"json({"type":"object","properties":{
"state":{"type":"string","enum":["queued","running","done","failed","cancelled"]},
"limit":{"type":"integer","minimum":1,"maximum":1000}},"additionalProperties":false})json";

const char *const wait_schema = R"json({"type":"object","properties":{
"id":{"type":"string","minLength":1},
"wait_ms":{"type":"integer","minimum":0,"maximum":50000}},"required":["id"],"additionalProperties":false})json";

const char *const cancel_schema = get_schema;

const char *const run_schema = R"json({"type":"object","properties":{
"id":{"type":"string","minLength":1},"key":{"type":"string","minLength":1},"program":{"type":"string","minLength":1}},
"required":["id","key","program"],"additionalProperties":false})json";

}  // namespace ra_tasks
