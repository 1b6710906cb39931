// scheduler_plugin.cpp — the scheduler plugin: schedule_add / schedule_remove / schedule_list /
// schedule_history and the timer thread that fires due jobs.
//
// State: <data_dir>/jobs.json (jobs, cursors, last 50 runs each), written atomically (temp + fsync +
// rename) under an flock on <data_dir>/jobs.lock, so the daemon and one-shot `remote-agents call`
// processes (which load the plugin too) share it safely.
// Runner: only long-lived processes (`run`, `mcp`, `hybrid`: read from /proc/self/cmdline, the ABI
// has no such signal) start the timer thread, and only the one holding an flock on
// <data_dir>/runner.lock fires jobs — never two processes for one data dir (reference §17 #27).
// Every run goes through host->dispatch (ABI 1.1) to this host at fire time: schema, mode and
// command policy are checked then, so a job on a host now in plan or disabled mode comes back
// denied and is recorded so (reference §17 #11 fixed).
#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <remote_agents/plugin.hpp>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cron.hpp"
#include "job_store.hpp"
#include "tz.hpp"

namespace {

using ra_sched::i64;
using ra_sched::job;
using ra_sched::json_writer;
using ra_sched::put;
using ra_sched::run_record;
using ra_sched::str;
using ra_sched::write_record;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

struct settings {
  std::string timezone = "UTC";
  size_t max_jobs = 100;
  size_t history = 50;
};

settings parse_settings(std::string_view config_json) {
  settings s;
  rapidjson::Document d;
  d.Parse(config_json.data(), config_json.size());
  if (d.HasParseError() || !d.IsObject()) throw std::runtime_error("plugin config is not a JSON object");
  for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) {
    std::string k(it->name.GetString(), it->name.GetStringLength());
    const auto &v = it->value;
    std::string err;
    if (k == "timezone" && v.IsString() && ra_sched::find_time_zone(v.GetString(), err)) {
      s.timezone = v.GetString();
    } else if (k == "max_jobs" && v.IsUint64() && v.GetUint64() >= 1 && v.GetUint64() <= 10000) {
      s.max_jobs = v.GetUint64();
    } else if (k == "history" && v.IsUint64() && v.GetUint64() >= 1 && v.GetUint64() <= 1000) {
      s.history = v.GetUint64();
    } else {
      throw std::runtime_error(
          "config key '" + k +
          "' is unknown or has a bad value (keys: timezone = \"UTC\", \"+02:00\" or \"Europe/Paris\", max_jobs = "
          "1..10000, history = 1..1000)" +
          (err.empty() ? "" : ": " + err));
    }
  }
  return s;
}

// The jobs file, shared between processes.
class store {
 public:
  explicit store(std::string dir) : dir_(std::move(dir)) {}
  const std::string &dir() const { return dir_; }

  // Runs fn on the current jobs under both locks; saves when fn returns true.
  template <class F>
  auto with_jobs(F fn) {
    std::lock_guard lock(mu_);
    int fd = ::open((dir_ + "/jobs.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot open " + dir_ + "/jobs.lock");
    while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
    struct closer {
      int fd;
      ~closer() { ::close(fd); }
    } c{fd};
    std::vector<job> jobs = load();
    bool changed = false;
    auto r = fn(jobs, changed);
    if (changed) save(jobs);
    return r;
  }

 private:
  std::vector<job> load() {
    std::ifstream f(dir_ + "/jobs.json");
    if (!f) return {};
    std::stringstream ss;
    ss << f.rdbuf();
    std::string text = ss.str();
    auto jobs = ra_sched::decode_jobs(text);
    if (!jobs) throw std::runtime_error(dir_ + "/jobs.json is not a valid jobs file");
    return std::move(*jobs);
  }

  void save(const std::vector<job> &jobs) {
    std::string text = ra_sched::encode_jobs(jobs);
    std::string tmp = dir_ + "/jobs.json.tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write " + tmp);
    const char *p = text.data();
    size_t left = text.size();
    while (left > 0) {
      ssize_t n = ::write(fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fd);
        throw std::runtime_error("cannot write " + tmp);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
      ::close(fd);
      throw std::runtime_error("fsync of " + tmp + " failed");
    }
    ::close(fd);
    if (::rename(tmp.c_str(), (dir_ + "/jobs.json").c_str()) != 0)
      throw std::runtime_error("cannot rename " + tmp + " into place");
    int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }

  std::string dir_;
  std::mutex mu_;
};

void add_record(job &j, run_record r, size_t keep) {
  j.history.push_back(std::move(r));
  if (j.history.size() > keep) j.history.erase(j.history.begin(), j.history.end() - static_cast<long>(keep));
}

// Is this process long-lived (run / mcp / hybrid)? The first argument that is a known verb decides.
bool long_lived_process() {
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> argv;
  size_t start = 0;
  while (start < all.size()) {
    size_t z = all.find('\0', start);
    if (z == std::string::npos) z = all.size();
    argv.push_back(all.substr(start, z - start));
    start = z + 1;
  }
  static const std::set<std::string> verbs = {"init", "config",  "tools",       "call",   "run",
                                              "mode", "install", "uninstall",   "agents", "exec",
                                              "mcp",  "hybrid",  "install-mcp", "help"};
  for (size_t i = 1; i < argv.size(); ++i)
    if (verbs.count(argv[i])) return argv[i] == "run" || argv[i] == "mcp" || argv[i] == "hybrid";
  return false;
}

// Shared by the plugin, its timer thread and dispatch callbacks (which may outlive a stop that timed out).
struct runner_state {
  store st;
  settings cfg;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::set<std::string> busy;               // jobs with a run pending (splay) or in flight
  std::map<std::string, uint64_t> handles;  // job → dispatch handle
  int in_flight = 0;
  explicit runner_state(std::string dir, settings s) : st(std::move(dir)), cfg(std::move(s)) {}
};

struct pending_run {
  std::string name, tool, args;
  int64_t fire_at_ms;
};

class scheduler_plugin : public ra::plugin {
 public:
  scheduler_plugin(const ra_host_t *host, std::string_view config_json) : ra::plugin(host) {
    settings s;
    try {
      s = parse_settings(config_json);
    } catch (const std::exception &e) {
      throw std::runtime_error(std::string("[plugins.scheduler.config]: ") + e.what());
    }
    if (!RA_HAS(host, ra_host_t, dispatch) || !host->dispatch)
      throw std::runtime_error("the scheduler needs host ABI 1.1 (dispatch)");
    std::string dir = host_.data_dir();
    if (dir.empty()) throw std::runtime_error("the host gave no data directory");
    ::mkdir(dir.c_str(), 0700);
    state_ = std::make_shared<runner_state>(dir, s);
  }

  ra_status start() noexcept override {
    try {
      if (long_lived_process()) thread_ = std::thread([this] { loop(); });
    } catch (...) {
      return RA_INTERNAL;
    }
    return RA_OK;
  }

  void stop() noexcept override {
    {
      std::lock_guard lock(state_->mu);
      state_->stopping = true;
    }
    state_->cv.notify_all();
    if (thread_.joinable()) thread_.join();
    std::vector<uint64_t> handles;
    {
      std::lock_guard lock(state_->mu);
      for (auto &[n, h] : state_->handles) handles.push_back(h);
    }
    for (auto h : handles)
      if (host_.get()->dispatch_cancel) host_.get()->dispatch_cancel(host_.get(), h);
    std::unique_lock lock(state_->mu);
    state_->cv.wait_for(lock, std::chrono::seconds(10), [&] { return state_->in_flight == 0; });
    if (runner_fd_ >= 0) ::close(runner_fd_);
    runner_fd_ = -1;
  }

  std::vector<ra::tool> define_tools() override {
    std::vector<ra::tool> v;
    ra::tool add;
    add.name = "schedule_add";
    add.title = "Schedule a job";
    add.description =
        "Add (or replace, keeping its history) a recurring job on this host. cron: 5 fields (min hour dom month dow), "
        "6 with seconds first, 7 with a year last, or @yearly/@monthly/@weekly/@daily/@hourly; names JAN-DEC, "
        "SUN-SAT; day of week 0 and 7 are Sunday. Exactly one of command (a shell command, run with the exec tool) "
        "or tool (+ args). timezone: UTC (default), a fixed offset like +02:00 or an IANA name like Europe/Paris. "
        "splay_ms: random delay "
        "0..splay_ms. missed: skip (default) or run_once after downtime. Every run goes through the normal "
        "dispatch path at fire time, so the mode and command policy then apply (plan/disabled → denied runs).";
    add.input_schema = R"({"type":"object","properties":{
      "name":{"type":"string","minLength":1,"maxLength":128},
      "cron":{"type":"string"},
      "command":{"type":"string"},
      "tool":{"type":"string"},
      "args":{"type":"object"},
      "timezone":{"type":"string"},
      "splay_ms":{"type":"integer","minimum":0,"maximum":3600000},
      "missed":{"type":"string","enum":["skip","run_once"]}},
      "required":["name","cron"],"additionalProperties":false})";
    add.output_schema =
        R"({"type":"object","properties":{"name":{"type":"string"},"next_run":{"type":["string","null"]},"replaced":{"type":"boolean"}}})";
    add.hints = RA_HINT_DESTRUCTIVE | RA_HINT_OPEN_WORLD;
    add.permission = RA_PERM_EXEC;
    add.command_args = {"command"};
    add.handler = [this](ra::call_ptr c) { do_add(c); };
    v.push_back(std::move(add));

    ra::tool rm;
    rm.name = "schedule_remove";
    rm.title = "Remove a scheduled job";
    rm.description = "Remove the scheduled job `name` (a run in progress finishes).";
    rm.input_schema =
        R"({"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"additionalProperties":false})";
    rm.output_schema = R"({"type":"object","properties":{"removed":{"type":"string"}}})";
    rm.hints = RA_HINT_DESTRUCTIVE | RA_HINT_IDEMPOTENT;
    rm.permission = RA_PERM_WRITE;
    rm.handler = [this](ra::call_ptr c) { do_remove(c); };
    v.push_back(std::move(rm));

    ra::tool ls;
    ls.name = "schedule_list";
    ls.title = "List scheduled jobs";
    ls.description =
        "The scheduled jobs on this host: cron, time zone, command or tool, next run (ISO 8601 UTC), last run, last "
        "outcome and message, run count.";
    ls.input_schema = R"({"type":"object","properties":{},"additionalProperties":false})";
    ls.output_schema = R"({"type":"object","properties":{"jobs":{"type":"array"}}})";
    ls.hints = RA_HINT_READ_ONLY | RA_HINT_IDEMPOTENT;
    ls.permission = RA_PERM_READ;
    ls.handler = [this](ra::call_ptr c) { do_list(c); };
    v.push_back(std::move(ls));

    ra::tool hi;
    hi.name = "schedule_history";
    hi.title = "History of scheduled runs";
    hi.description =
        "Recent runs of one job (name) or of all jobs, newest first: time, outcome (ok, failed, denied, invalid, "
        "timeout, cancelled, unreachable, skipped: the previous run was still going, missed: the daemon was down), "
        "message, duration_ms. limit: default 20.";
    hi.input_schema = R"({"type":"object","properties":{"name":{"type":"string"},
      "limit":{"type":"integer","minimum":1,"maximum":100000}},"additionalProperties":false})";
    hi.output_schema = R"({"type":"object","properties":{"runs":{"type":"array"}}})";
    hi.hints = RA_HINT_READ_ONLY | RA_HINT_IDEMPOTENT;
    hi.permission = RA_PERM_READ;
    hi.handler = [this](ra::call_ptr c) { do_history(c); };
    v.push_back(std::move(hi));
    return v;
  }

 private:
  bool host_has_tool(const std::string &name) {
    if (!host_.get()->describe) return true;
    bool found = false;
    struct ctx {
      const std::string *name;
      bool *found;
    } cx{&name, &found};
    host_.get()->describe(
        host_.get(),
        [](void *ud, const char *json, size_t len) {
          auto *c = static_cast<ctx *>(ud);
          rapidjson::Document d;
          d.Parse(json, len);
          if (d.HasParseError() || !d.IsObject() || !d.HasMember("self") || !d["self"].IsObject()) return;
          auto &self = d["self"];
          if (!self.HasMember("tools") || !self["tools"].IsArray()) return;
          for (auto &t : self["tools"].GetArray())
            if (t.IsObject() && str(t, "name") == *c->name) *c->found = true;
        },
        &cx);
    return found;
  }

  void do_add(const ra::call_ptr &c) {
    ra_sched::add_error code;
    std::string error;
    auto req = ra_sched::parse_add_args(
        c->args_json(), state_->cfg.timezone, [this](const std::string &t) { return host_has_tool(t); }, code, error);
    if (!req)
      return (void)c->fail(
          code == ra_sched::add_error::failed_precondition ? RA_FAILED_PRECONDITION : RA_INVALID_ARGUMENT, error);
    job j = std::move(req->j);
    std::string name = j.name;
    int64_t t = now_ms();
    j.created_ms = t;
    j.cursor = floor_div(t, 1000);
    auto next = ra_sched::next_after(req->expr, j.cursor, *req->zone);
    bool replaced = false;
    std::string problem;
    state_->st.with_jobs([&](std::vector<job> &jobs, bool &changed) {
      auto it = std::find_if(jobs.begin(), jobs.end(), [&](const job &x) { return x.name == j.name; });
      if (it != jobs.end()) {
        replaced = true;
        j.last_run_ms = it->last_run_ms;
        j.last_outcome = it->last_outcome;
        j.last_message = it->last_message;
        j.run_count = it->run_count;
        j.history = std::move(it->history);
        *it = std::move(j);
      } else if (jobs.size() >= state_->cfg.max_jobs) {
        problem = "too many jobs: max_jobs is " + std::to_string(state_->cfg.max_jobs);
        return 0;
      } else {
        jobs.push_back(std::move(j));
      }
      changed = true;
      return 0;
    });
    if (!problem.empty()) return (void)c->fail(RA_RESOURCE_EXHAUSTED, problem);
    state_->cv.notify_all();
    rapidjson::StringBuffer sb;
    json_writer w(sb);
    w.StartObject();
    put(w, "name", name);
    w.Key("next_run");
    if (next)
      w.String(ra_sched::iso8601_utc(*next * 1000).c_str());
    else
      w.Null();
    w.Key("replaced");
    w.Bool(replaced);
    w.EndObject();
    c->ok(sb.GetString());
  }

  void do_remove(const ra::call_ptr &c) {
    rapidjson::Document d;
    auto a = c->args_json();
    d.Parse(a.data(), a.size());
    std::string name = d.IsObject() ? str(d, "name") : "";
    bool found = state_->st.with_jobs([&](std::vector<job> &jobs, bool &changed) {
      auto it = std::find_if(jobs.begin(), jobs.end(), [&](const job &x) { return x.name == name; });
      if (it == jobs.end()) return false;
      jobs.erase(it);
      changed = true;
      return true;
    });
    if (!found) return (void)c->fail(RA_NOT_FOUND, "no scheduled job named '" + name + "'");
    rapidjson::StringBuffer sb;
    json_writer w(sb);
    w.StartObject();
    put(w, "removed", name);
    w.EndObject();
    c->ok(sb.GetString());
  }

  void do_list(const ra::call_ptr &c) {
    auto jobs = state_->st.with_jobs([](std::vector<job> &js, bool &) { return js; });
    rapidjson::StringBuffer sb;
    json_writer w(sb);
    w.StartObject();
    w.Key("jobs");
    w.StartArray();
    int64_t now_s = floor_div(now_ms(), 1000);
    for (auto &j : jobs) {
      w.StartObject();
      put(w, "name", j.name);
      put(w, "cron", j.cron);
      put(w, "timezone", j.timezone);
      if (!j.command.empty()) {
        put(w, "command", j.command);
      } else {
        put(w, "tool", j.tool);
        w.Key("args");
        rapidjson::Document ad;
        ad.Parse(j.args_json.c_str());
        if (ad.HasParseError())
          w.StartObject(), w.EndObject(0);
        else
          ad.Accept(w);
      }
      put(w, "missed", j.missed);
      w.Key("splay_ms");
      w.Int64(j.splay_ms);
      std::string err;
      auto e = ra_sched::parse_cron(j.cron, err);
      auto zone = ra_sched::find_time_zone(j.timezone, err);
      std::optional<int64_t> next;
      if (e && zone) next = ra_sched::next_after(*e, std::max(now_s, j.cursor), *zone);
      w.Key("next_run");
      if (next)
        w.String(ra_sched::iso8601_utc(*next * 1000).c_str());
      else
        w.Null();
      w.Key("last_run");
      if (j.last_run_ms >= 0)
        w.String(ra_sched::iso8601_utc(j.last_run_ms, true).c_str());
      else
        w.Null();
      w.Key("last_outcome");
      if (j.last_outcome.empty())
        w.Null();
      else
        w.String(j.last_outcome.c_str());
      put(w, "last_message", j.last_message);
      w.Key("run_count");
      w.Uint64(j.run_count);
      w.EndObject();
    }
    w.EndArray();
    w.Key("count");
    w.Uint64(jobs.size());
    w.EndObject();
    c->ok(sb.GetString());
  }

  void do_history(const ra::call_ptr &c) {
    rapidjson::Document d;
    auto a = c->args_json();
    d.Parse(a.data(), a.size());
    std::string name = d.IsObject() ? str(d, "name") : "";
    bool by_name = d.IsObject() && d.HasMember("name");
    int64_t limit = d.IsObject() ? i64(d, "limit", 20) : 20;
    auto jobs = state_->st.with_jobs([](std::vector<job> &js, bool &) { return js; });
    std::vector<std::pair<const job *, const run_record *>> runs;
    bool found = false;
    for (auto &j : jobs) {
      if (by_name && j.name != name) continue;
      found = true;
      for (auto &r : j.history) runs.push_back({&j, &r});
    }
    if (by_name && !found) return (void)c->fail(RA_NOT_FOUND, "no scheduled job named '" + name + "'");
    std::stable_sort(runs.begin(), runs.end(), [](auto &x, auto &y) { return x.second->time_ms > y.second->time_ms; });
    if (static_cast<int64_t>(runs.size()) > limit) runs.resize(static_cast<size_t>(limit));
    rapidjson::StringBuffer sb;
    json_writer w(sb);
    w.StartObject();
    w.Key("runs");
    w.StartArray();
    for (auto &[j, r] : runs) write_record(w, *r, &j->name, true);
    w.EndArray();
    w.EndObject();
    c->ok(sb.GetString());
  }

  // ---- the timer thread ----------------------------------------------------------------------------
  void loop() {
    std::mt19937_64 rng(std::random_device{}());
    std::set<std::string> seen;  // jobs this runner session has already looked at
    std::vector<pending_run> pending;
    bool warned = false;
    while (true) {
      {
        std::lock_guard lock(state_->mu);
        if (state_->stopping) break;
      }
      if (runner_fd_ < 0) {
        int fd = ::open((state_->st.dir() + "/runner.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
          runner_fd_ = fd;
          host_.info("scheduler: this process runs the jobs");
        } else {
          if (fd >= 0) ::close(fd);
          if (!warned) host_.info("scheduler: another process runs the jobs of this data directory; waiting");
          warned = true;
        }
      }
      int64_t wake_ms = now_ms() + 1000;
      if (runner_fd_ >= 0) {
        try {
          wake_ms = std::min(wake_ms, tick(rng, seen, pending));
        } catch (const std::exception &e) {
          host_.warn(std::string("scheduler: ") + e.what());
        }
      }
      std::unique_lock lock(state_->mu);
      int64_t wait = std::max<int64_t>(wake_ms - now_ms(), 5);
      state_->cv.wait_for(lock, std::chrono::milliseconds(wait), [&] { return state_->stopping; });
    }
  }

  // Fires due jobs; returns the next wake time (Unix ms).
  int64_t tick(std::mt19937_64 &rng, std::set<std::string> &seen, std::vector<pending_run> &pending) {
    int64_t t = now_ms();
    int64_t now_s = floor_div(t, 1000);
    int64_t wake = t + 1000;
    std::vector<pending_run> fire;
    std::set<std::string> busy;
    {
      std::lock_guard lock(state_->mu);
      busy = state_->busy;
    }
    size_t keep = state_->cfg.history;
    std::vector<std::string> newly_busy;
    state_->st.with_jobs([&](std::vector<job> &jobs, bool &changed) {
      std::set<std::string> names;
      for (auto &j : jobs) {
        names.insert(j.name);
        std::string err;
        auto e = ra_sched::parse_cron(j.cron, err);
        auto zone = ra_sched::find_time_zone(j.timezone, err);
        if (!e || !zone) continue;
        auto next = ra_sched::next_after(*e, j.cursor, *zone);
        bool first = seen.insert(j.name).second;
        if (!next) continue;
        if (*next > now_s) {
          wake = std::min(wake, *next * 1000);
          continue;
        }
        // Due. Occurrences clearly in the past at the first look (> 2 s old) were missed while no runner ran.
        bool missed = first && *next < now_s - 2;
        int64_t count = 0;
        for (auto n = next; n && *n <= now_s && count < 1000; n = ra_sched::next_after(*e, *n, *zone)) ++count;
        j.cursor = now_s;
        changed = true;
        if (missed) {
          std::string msg = (count >= 1000 ? std::string("1000 or more") : std::to_string(count)) +
                            " occurrence(s) missed while no daemon ran (since " + ra_sched::iso8601_utc(*next * 1000) +
                            ")";
          if (j.missed != "run_once") {
            add_record(j, {t, "missed", msg + "; skipped (missed: skip)", 0}, keep);
            continue;
          }
          add_record(j, {t, "missed", msg + "; running once now (missed: run_once)", 0}, keep);
        }
        if (busy.count(j.name)) {
          add_record(j, {t, "skipped", "the previous run was still going", 0}, keep);
          continue;
        }
        int64_t delay = 0;
        // Capped at schedule_add's maximum: jobs.json may hold any int64 (splay_ms + 1 and t + delay overflowed).
        int64_t splay = std::min<int64_t>(j.splay_ms, 3'600'000);
        if (splay > 0) delay = static_cast<int64_t>(rng() % static_cast<uint64_t>(splay + 1));
        pending.push_back({j.name, j.dispatch_tool(), j.dispatch_args(), t + delay});
        busy.insert(j.name);
        newly_busy.push_back(j.name);
      }
      // Forget removed jobs (a re-added one is new again).
      for (auto it = seen.begin(); it != seen.end();) it = names.count(*it) ? std::next(it) : seen.erase(it);
      return 0;
    });
    {
      std::lock_guard lock(state_->mu);
      for (auto &n : newly_busy) state_->busy.insert(n);
    }
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->fire_at_ms <= now_ms()) {
        fire.push_back(std::move(*it));
        it = pending.erase(it);
      } else {
        wake = std::min(wake, it->fire_at_ms);
        ++it;
      }
    }
    for (auto &p : fire) dispatch_run(p);
    return wake;
  }

  struct run_ctx {
    std::shared_ptr<runner_state> state;
    std::string name;
    int64_t started_ms;
  };

  static void record(const std::shared_ptr<runner_state> &s, const std::string &name, run_record r) {
    try {
      s->st.with_jobs([&](std::vector<job> &jobs, bool &changed) {
        for (auto &j : jobs) {
          if (j.name != name) continue;
          j.last_run_ms = r.time_ms;
          j.last_outcome = r.outcome;
          j.last_message = r.message;
          ++j.run_count;
          add_record(j, r, s->cfg.history);
          changed = true;
        }
        return 0;
      });
    } catch (...) {
    }
  }

  static run_record outcome_of(const std::string &doc_json, int64_t started_ms) {
    run_record r;
    r.time_ms = started_ms;
    r.duration_ms = now_ms() - started_ms;
    rapidjson::Document d;
    d.Parse(doc_json.c_str(), doc_json.size());
    if (d.HasParseError() || !d.IsObject()) {
      r.outcome = "error";
      r.message = "unreadable dispatch result";
      return r;
    }
    r.outcome = str(d, "outcome");
    r.message = str(d, "message");
    r.duration_ms = i64(d, "duration_ms", r.duration_ms);
    if (r.outcome == "ok" && d.HasMember("result") && d["result"].IsObject()) {
      auto &res = d["result"];
      if (res.HasMember("timed_out") && res["timed_out"].IsBool() && res["timed_out"].GetBool()) {
        r.outcome = "timeout";
        r.message = "the command timed out";
      } else if (res.HasMember("exit_code") && res["exit_code"].IsInt() && res["exit_code"].GetInt() != 0) {
        r.outcome = "failed";
        std::string err = str(res, "stderr");
        if (err.size() > 200) err = err.substr(0, 200) + "…";
        r.message = "exit code " + std::to_string(res["exit_code"].GetInt()) + (err.empty() ? "" : ": " + err);
      } else if (res.HasMember("success") && res["success"].IsBool() && !res["success"].GetBool()) {
        r.outcome = "failed";
        if (r.message.empty()) r.message = str(res, "error");
      } else if (r.message.empty() && res.HasMember("exit_code") && res["exit_code"].IsInt()) {
        r.message = "exit code 0";
      }
    }
    if (r.outcome.empty()) r.outcome = "error";
    return r;
  }

  static void finish(run_ctx *ctx, run_record r) {
    auto s = ctx->state;
    record(s, ctx->name, std::move(r));
    {
      std::lock_guard lock(s->mu);
      s->busy.erase(ctx->name);
      s->handles.erase(ctx->name);
      --s->in_flight;
    }
    s->cv.notify_all();
  }

  void dispatch_run(const pending_run &p) {
    auto *ctx = new run_ctx{state_, p.name, now_ms()};
    {
      std::lock_guard lock(state_->mu);
      ++state_->in_flight;
    }
    ra_dispatch_request_t req{};
    req.struct_size = sizeof req;
    req.tool = p.tool.c_str();
    req.args_json = p.args.c_str();
    req.args_len = p.args.size();
    req.target = nullptr;  // this host
    ra_dispatch_sink_t sink{};
    sink.struct_size = sizeof sink;
    sink.user_data = ctx;
    sink.on_done = [](void *ud, const char *json, size_t len) {
      std::unique_ptr<run_ctx> c(static_cast<run_ctx *>(ud));
      finish(c.get(), outcome_of(std::string(json, len), c->started_ms));
    };
    // on_done may run before dispatch returns (R61): the handle is noted only if the run is still going.
    uint64_t handle = 0;
    char err[512] = {0};
    ra_status s = host_.get()->dispatch(host_.get(), &req, &sink, &handle, err, sizeof err);
    if (s != RA_OK) {
      std::unique_ptr<run_ctx> c(ctx);
      finish(c.get(),
             {c->started_ms, "error", std::string("could not dispatch: ") + (err[0] ? err : ra_status_name(s)), 0});
      return;
    }
    std::lock_guard relock(state_->mu);
    if (state_->busy.count(p.name)) state_->handles[p.name] = handle;  // still running
  }

  std::shared_ptr<runner_state> state_;
  std::thread thread_;
  int runner_fd_ = -1;
};

}  // namespace

RA_PLUGIN(scheduler, scheduler_plugin, "scheduler", "Scheduler", "0.1.0",
          "Recurring jobs (cron) that run commands or tools through the normal dispatch path at fire time")
