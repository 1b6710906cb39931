// tasks_plugin.cpp — ABI glue of the tasks plugin: autonomous AI tasks run by the host's own AI CLI
// (claude, opencode or a configured runner). task_dispatch queues a task and returns at once; the
// run itself is a call of the internal tool `task_run` that the plugin starts on its own host with
// host->dispatch, so the runner is a child of a live call: host->spawn applies the mode's sandbox
// (Landlock in plan), the command policy, the timeout and the process-group kill, and the run
// outlives the dispatching call (a child spawned for task_dispatch itself would be killed when that
// call completes). State lives in memory and, atomically, in <data_dir>/tasks/<id>.json.
#include <remote_agents/plugin.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "tasks_core.hpp"

namespace {

using namespace ra_tasks;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string json_string(std::string_view s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return sb.GetString();
}

std::string random_key() {
  unsigned char rnd[16] = {0};
  if (::getrandom(rnd, sizeof rnd, 0) != static_cast<ssize_t>(sizeof rnd)) throw std::runtime_error("getrandom failed");
  static const char hex[] = "0123456789abcdef";
  std::string k;
  for (unsigned char c : rnd) {
    k += hex[c >> 4];
    k += hex[c & 15];
  }
  return k;
}

class tasks_plugin : public ra::plugin {
 public:
  tasks_plugin(const ra_host_t *host, std::string_view config_json) : ra::plugin(host) {
    std::string error;
    auto s = parse_settings(config_json, error);
    if (!s) throw std::runtime_error("[plugins.tasks.config]: " + error);
    settings_ = *s;
    if (host->abi_minor < 1 || !RA_HAS(host, ra_host_t, dispatch) || !RA_HAS(host, ra_host_t, dispatch_cancel))
      throw std::runtime_error("needs host ABI >= 1.1 (host->dispatch)");
    key_ = random_key();
  }

  ~tasks_plugin() override {
    // stop() joins the timer; this covers an instance destroyed without a stop.
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    timer_cv_.notify_all();
    if (timer_.joinable()) timer_.join();
  }

  ra_status start() noexcept override {
    try {
      dir_ = host().data_dir();
      if (dir_.empty()) return RA_INTERNAL;
      dir_ += "/tasks";
      ::mkdir(dir_.c_str(), 0700);
      std::vector<std::string> skipped;
      auto loaded = store_load(dir_, skipped);
      for (const auto &name : skipped) host().warn("skipping unreadable task file " + name);
      int64_t now = wall_ms();
      std::lock_guard lock(mu_);
      for (auto &t : loaded) {
        if (recover(t, now)) {
          std::string err;
          if (!store_write(dir_, t, err)) host().warn(err);
          queue_event_locked(t);  // held by the core until the dispatcher is back in the room
        }
        if (t.st == state::queued) queue_.push_back(t.id);
        auto e = std::make_shared<entry>();
        e->t = std::move(t);
        tasks_[e->t.id] = e;
      }
      timer_ = std::thread([this] { timer_loop(); });
      if (!queue_.empty()) host().post_work([this] { pump(); });
      if (!events_.empty()) host().post_work([this] { send_events(); });
      return RA_OK;
    } catch (...) {
      return RA_INTERNAL;
    }
  }

  void stop() noexcept override {
    std::vector<uint64_t> handles;
    std::vector<std::shared_ptr<waiter>> ws;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      for (auto &[id, e] : tasks_)
        if (e->t.st == state::running && e->has_handle) handles.push_back(e->handle);
      ws.swap(waiters_);
    }
    timer_cv_.notify_all();
    if (timer_.joinable()) timer_.join();
    // Running tasks end as failed with kStoppedReason (on_exit sees the cancel while stopping_).
    for (auto h : handles) host().get()->dispatch_cancel(host().get(), h);
    for (auto &w : ws) finish_waiter(w, RA_CANCELLED);
  }

  void on_cancel(ra_call_t *c) noexcept override {
    std::shared_ptr<waiter> w;
    {
      std::lock_guard lock(mu_);
      auto it = std::find_if(waiters_.begin(), waiters_.end(), [&](const auto &x) { return x->c->raw() == c; });
      if (it == waiters_.end()) return;
      w = *it;
      waiters_.erase(it);
    }
    finish_waiter(w, RA_CANCELLED);
  }

  std::vector<ra::tool> define_tools() override {
    std::vector<ra::tool> tools;
    ra::tool t;
    t.name = "task_dispatch";
    t.title = "Dispatch an autonomous AI task";
    t.description =
        "Start an autonomous AI task on this host: the host's own AI CLI (claude -p, opencode run, or a configured "
        "runner; default: the first found on PATH) runs `prompt` with the host's credentials, in cwd, until it ends "
        "or timeout_ms (default 3600000) kills its process group. session_id resumes a CLI session. Returns "
        "{id, state: \"queued\"} at once; at most max_running (default 2) run at a time, the rest wait in order. "
        "Follow it with task_wait / task_get; when it ends, the dispatcher is sent a task.finished event "
        "(MCP: a notifications/message). The runner executes commands: in plan mode it runs inside the kernel's "
        "read-only sandbox in its own plan mode (or is refused when the host says plan = \"refuse\").";
    t.input_schema = dispatch_schema;
    t.hints = RA_HINT_DESTRUCTIVE | RA_HINT_OPEN_WORLD;
    // exec_sandboxed (abi.md R36): the program is the operator's runner, not the caller's command
    // line, so plan mode runs it read-only under Landlock instead of requiring a read-only command.
    t.permission = RA_PERM_EXEC_SANDBOXED;
    t.command_args = {"runner"};
    t.read_path_args = {"cwd"};
    t.handler = [this](ra::call_ptr c) { dispatch(std::move(c)); };
    tools.push_back(std::move(t));

    t = {};
    t.name = "task_get";
    t.title = "Get an AI task";
    t.description =
        "One AI task: state (queued, running, done, failed, cancelled), output (stdout and stderr as produced, the "
        "last max_output bytes, default 1 MiB: output_truncated says when), exit_code, error, created/started/"
        "finished (ISO 8601 UTC), duration_ms, runner, prompt.";
    t.input_schema = get_schema;
    t.hints = RA_HINT_READ_ONLY;
    t.permission = RA_PERM_READ;
    t.handler = [this](ra::call_ptr c) { get(std::move(c)); };
    tools.push_back(std::move(t));

    t = {};
    t.name = "task_list";
    t.title = "List AI tasks";
    t.description =
        "AI tasks of this host, newest first (default limit 50, at most 1000), optionally only those in `state`. "
        "Entries carry no output (use task_get); prompts are cut to 200 bytes.";
    t.input_schema = list_schema;
    t.hints = RA_HINT_READ_ONLY;
    t.permission = RA_PERM_READ;
    t.handler = [this](ra::call_ptr c) { list(std::move(c)); };
    tools.push_back(std::move(t));

    t = {};
    t.name = "task_wait";
    t.title = "Wait for an AI task";
    t.description =
        "Wait until an AI task ends or wait_ms (default 30000, at most 50000) passes, then return it as task_get "
        "does, with the state so far (call again to keep waiting).";
    t.input_schema = wait_schema;
    t.hints = RA_HINT_READ_ONLY;
    t.permission = RA_PERM_READ;
    t.handler = [this](ra::call_ptr c) { wait(std::move(c)); };
    tools.push_back(std::move(t));

    t = {};
    t.name = "task_cancel";
    t.title = "Cancel an AI task";
    t.description =
        "Cancel an AI task: a queued one never starts; a running one has its whole process group killed. Returns "
        "the task with state cancelled. A task that already ended is an error.";
    t.input_schema = cancel_schema;
    t.hints = RA_HINT_DESTRUCTIVE;
    // Not exec: exec tools must name a command argument and the id is none; killing a task is a
    // change of state, refused in plan like every write.
    t.permission = RA_PERM_WRITE;
    t.handler = [this](ra::call_ptr c) { cancel(std::move(c)); };
    tools.push_back(std::move(t));

    t = {};
    t.name = "task_run";
    t.title = "Run a queued AI task (internal)";
    t.description =
        "Internal to the tasks plugin: runs a queued task's AI CLI. Only the plugin itself can call it (it needs "
        "a per-process key); use task_dispatch.";
    t.input_schema = run_schema;
    t.hints = RA_HINT_LONG_RUNNING | RA_HINT_INTERNAL;
    t.permission = RA_PERM_EXEC_SANDBOXED;
    t.command_args = {"program"};
    t.never_blocks = true;  // only starts an asynchronous spawn
    t.handler = [this](ra::call_ptr c) { run(std::move(c)); };
    tools.push_back(std::move(t));
    return tools;
  }

 private:
  struct entry {
    task t;
    bool run_started = false;  // task_run got as far as spawning (or refusing)
    bool has_handle = false;
    uint64_t handle = 0;
    bool cancel_requested = false;
  };
  struct waiter {
    ra::call_ptr c;
    std::string id;
    std::chrono::steady_clock::time_point deadline;
  };

  // ---- helpers (mu_ held where noted) ---------------------------------------------------------
  void persist_locked(const task &t) {
    std::string err;
    if (!store_write(dir_, t, err)) host().warn("cannot store task " + t.id + ": " + err);
  }

  std::shared_ptr<entry> find_locked(const std::string &id) {
    auto it = tasks_.find(id);
    return it == tasks_.end() ? nullptr : it->second;
  }

  static std::string id_of(std::string_view args) {
    rapidjson::Document d;
    d.Parse(args.data(), args.size());
    if (d.HasParseError() || !d.IsObject()) return {};
    auto it = d.FindMember("id");
    return it != d.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString()) : std::string();
  }

  void finish_waiter(const std::shared_ptr<waiter> &w, ra_status status) {
    std::string json;
    {
      std::lock_guard lock(mu_);
      auto e = find_locked(w->id);
      json = e ? task_json(e->t) : "{}";
    }
    if (status == RA_OK)
      w->c->ok(json);
    else
      w->c->complete(status, json, "task_wait was cancelled");
  }

  // A task reached a final state: persist (caller holds mu_), then wake its waiters (after unlock).
  std::vector<std::shared_ptr<waiter>> finalize_locked(entry &e, state to, std::string error) {
    if (!transition(e.t, to, wall_ms())) return {};
    e.t.error = std::move(error);
    persist_locked(e.t);
    queue_event_locked(e.t);
    std::vector<std::shared_ptr<waiter>> ready;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if ((*it)->id == e.t.id) {
        ready.push_back(*it);
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    final_cv_.notify_all();
    return ready;
  }

  void wake(const std::vector<std::shared_ptr<waiter>> &ready) {
    for (const auto &w : ready) finish_waiter(w, RA_OK);
    send_events();
  }

  // ---- completion events (abi.md R66): whoever dispatched a task is told when it ends ----------
  void queue_event_locked(const task &t) {
    if (!t.reply_to.empty()) events_.emplace_back(t.reply_to, finished_event_json(t));
  }

  // Sent outside mu_: send_event may block briefly on the router. A lost event costs nothing that
  // task_get cannot answer, so failures are logged, not retried.
  void send_events() {
    std::vector<std::pair<std::string, std::string>> out;
    {
      std::lock_guard lock(mu_);
      out.swap(events_);
    }
    const ra_host_t *h = host().get();
    if (!RA_HAS(h, ra_host_t, send_event)) return;
    for (const auto &[to, json] : out) {
      char err[256] = {0};
      if (h->send_event(h, to.c_str(), "task.finished", json.data(), json.size(), err, sizeof err) != RA_OK)
        host().warn(std::string("task.finished event not sent: ") + err);
    }
  }

  // ---- the queue --------------------------------------------------------------------------------
  void pump() {
    std::vector<std::pair<std::string, std::string>> starts;  // id, program
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      uint32_t running = 0;
      for (const auto &[id, e] : tasks_)
        if (e->t.st == state::running) ++running;
      while (running < settings_.max_running && !queue_.empty()) {
        std::string id = queue_.front();
        queue_.pop_front();
        auto e = find_locked(id);
        if (!e || e->t.st != state::queued || e->t.argv.empty()) continue;
        transition(e->t, state::running, wall_ms());
        persist_locked(e->t);
        starts.emplace_back(id, e->t.argv[0]);
        ++running;
      }
    }
    for (auto &[id, program] : starts) start_run(id, program);
  }

  struct run_sink {
    tasks_plugin *self;
    std::string id;
  };

  void start_run(const std::string &id, const std::string &program) {
    int64_t timeout_ms = 0;
    {
      std::lock_guard lock(mu_);
      auto e = find_locked(id);
      if (!e) return;
      timeout_ms = e->t.timeout_ms;
    }
    std::string args =
        "{\"id\":" + json_string(id) + ",\"key\":" + json_string(key_) + ",\"program\":" + json_string(program) + "}";
    ra_dispatch_request_t req{};
    req.struct_size = sizeof req;
    req.tool = "task_run";
    req.args_json = args.c_str();
    req.args_len = args.size();
    req.target = nullptr;  // this host
    // The runner's own timeout (spawn) kills it; this is only a backstop for the call.
    req.timeout_ms = timeout_ms + 60'000;
    ra_dispatch_sink_t sink{};
    sink.struct_size = sizeof sink;
    auto *box = new run_sink{this, id};
    sink.user_data = box;
    sink.on_done = [](void *ud, const char *json, size_t len) {
      std::unique_ptr<run_sink> b(static_cast<run_sink *>(ud));
      b->self->run_done(b->id, std::string_view(json, len));
    };
    uint64_t handle = 0;
    char err[512] = {0};
    const ra_host_t *h = host().get();
    ra_status s = h->dispatch(h, &req, &sink, &handle, err, sizeof err);
    if (s != RA_OK) {
      delete box;
      std::vector<std::shared_ptr<waiter>> ready;
      {
        std::lock_guard lock(mu_);
        if (auto e = find_locked(id))
          ready = finalize_locked(*e, state::failed, std::string("could not start the run: ") + (err[0] ? err : "?"));
      }
      wake(ready);
      return;
    }
    bool cancel_now = false;
    {
      std::lock_guard lock(mu_);
      if (auto e = find_locked(id); e && e->t.st == state::running) {
        e->has_handle = true;
        e->handle = handle;
        cancel_now = e->cancel_requested || stopping_;
      }
    }
    if (cancel_now) h->dispatch_cancel(h, handle);
  }

  // The task_run call ended. When it never got to run the CLI (denied by policy, refused, shut
  // down), this is where the task learns why.
  void run_done(const std::string &id, std::string_view json) {
    std::string outcome = "failed", message;
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (!d.HasParseError() && d.IsObject()) {
      if (auto it = d.FindMember("outcome"); it != d.MemberEnd() && it->value.IsString())
        outcome = it->value.GetString();
      if (auto it = d.FindMember("message"); it != d.MemberEnd() && it->value.IsString())
        message = it->value.GetString();
    }
    std::vector<std::shared_ptr<waiter>> ready;
    {
      std::lock_guard lock(mu_);
      auto e = find_locked(id);
      if (e && e->t.st == state::running) {
        std::string why = outcome + (message.empty() ? "" : ": " + message);
        if (e->cancel_requested)
          ready = finalize_locked(*e, state::cancelled, "cancelled by task_cancel");
        else if (stopping_ || outcome == "cancelled")  // nobody but a shutdown cancels task_run otherwise
          ready = finalize_locked(*e, state::failed, kStoppedReason);
        else
          ready = finalize_locked(*e, state::failed, "the run was not started (" + why + ")");
      }
      if (e) e->has_handle = false;
    }
    wake(ready);
    pump();
  }

  // ---- tools ----------------------------------------------------------------------------------
  void dispatch(ra::call_ptr c) {
    std::string error;
    auto a = parse_dispatch(c->args_json(), settings_, error);
    if (!a) {
      c->fail(RA_INVALID_ARGUMENT, error);
      return;
    }
    if (c->mode() == RA_MODE_PLAN && settings_.plan == plan_policy::refuse) {
      c->fail(RA_PERMISSION_DENIED,
              "this host refuses AI tasks in plan mode ([plugins.tasks.config] plan = \"refuse\")");
      return;
    }
    const char *path = std::getenv("PATH");
    std::string path_env = path ? path : "/usr/local/bin:/usr/bin:/bin";
    const runner_def *r = nullptr;
    if (!a->runner.empty()) {
      r = find_runner(settings_, a->runner);
      if (!r) {
        c->fail(RA_INVALID_ARGUMENT, "unknown runner '" + a->runner + "' (known: " + runner_names(settings_) + ")");
        return;
      }
      settings one;
      one.runners = {*r};
      if (!detect_runner(one, path_env)) {
        c->fail(RA_FAILED_PRECONDITION,
                "runner '" + r->name + "': program '" + r->run[0] + "' not found on this host's PATH");
        return;
      }
    } else {
      r = detect_runner(settings_, path_env);
      if (!r) {
        c->fail(RA_FAILED_PRECONDITION, "no AI CLI found on this host's PATH: looked for " + runner_names(settings_) +
                                            "; install one or configure [plugins.tasks.config] runners");
        return;
      }
    }
    auto argv = expand(*r, a->prompt, a->session_id, error);
    if (!argv) {
      c->fail(RA_INVALID_ARGUMENT, error);
      return;
    }
    auto e = std::make_shared<entry>();
    e->t.id = new_task_id();
    e->t.prompt = a->prompt;
    e->t.cwd = a->cwd;
    e->t.runner = r->name;
    e->t.session_id = a->session_id;
    e->t.argv = std::move(*argv);
    e->t.caller = std::string(c->caller());
    if (RA_HAS(host().get(), ra_host_t, send_event)) e->t.reply_to = std::string(c->reply_to());
    e->t.timeout_ms = a->timeout_ms;
    e->t.created_ms = wall_ms();
    std::string id = e->t.id;
    std::string err;
    {
      std::lock_guard lock(mu_);
      if (stopping_)
        err = "the daemon is stopping";
      else if (!store_write(dir_, e->t, err))
        err = "cannot store the task: " + err;
      if (err.empty()) {
        tasks_[id] = e;
        queue_.push_back(id);
      }
    }
    if (!err.empty()) {
      c->fail(RA_UNAVAILABLE, err);
      return;
    }
    c->ok("{\"id\":" + json_string(id) + ",\"state\":\"queued\",\"runner\":" + json_string(r->name) + "}");
    pump();
  }

  void get(ra::call_ptr c) {
    std::string id = id_of(c->args_json());
    std::string json;
    {
      std::lock_guard lock(mu_);
      if (auto e = find_locked(id)) json = task_json(e->t);
    }
    if (json.empty())
      c->fail(RA_NOT_FOUND, "no task '" + id + "' on this host");
    else
      c->ok(json);
  }

  void list(ra::call_ptr c) {
    rapidjson::Document d;
    d.Parse(c->args_json().data(), c->args_json().size());
    std::optional<state> filter;
    size_t limit = 50;
    if (d.IsObject()) {
      if (auto it = d.FindMember("state"); it != d.MemberEnd() && it->value.IsString())
        filter = parse_state(it->value.GetString());
      if (auto it = d.FindMember("limit"); it != d.MemberEnd() && it->value.IsUint()) limit = it->value.GetUint();
    }
    std::vector<const task *> sel;
    std::string out = "{\"tasks\":[";
    size_t total = 0;
    {
      std::lock_guard lock(mu_);
      for (const auto &[id, e] : tasks_)
        if (!filter || e->t.st == *filter) sel.push_back(&e->t);
      total = sel.size();
      std::sort(sel.begin(), sel.end(), [](const task *a, const task *b) {
        return a->created_ms != b->created_ms ? a->created_ms > b->created_ms : a->id > b->id;
      });
      if (sel.size() > limit) sel.resize(limit);
      for (size_t i = 0; i < sel.size(); ++i) out += (i ? "," : "") + summary_json(*sel[i]);
    }
    out += "],\"count\":" + std::to_string(sel.size()) + ",\"total\":" + std::to_string(total) + "}";
    c->ok(out);
  }

  void wait(ra::call_ptr c) {
    rapidjson::Document d;
    d.Parse(c->args_json().data(), c->args_json().size());
    std::string id = id_of(c->args_json());
    int64_t wait_ms = 30'000;
    if (d.IsObject())
      if (auto it = d.FindMember("wait_ms"); it != d.MemberEnd() && it->value.IsInt64())
        wait_ms = std::clamp<int64_t>(it->value.GetInt64(), 0, 50'000);
    std::string json;
    {
      std::lock_guard lock(mu_);
      auto e = find_locked(id);
      if (!e) {
        json.clear();
      } else if (is_final(e->t.st) || wait_ms == 0 || stopping_) {
        json = task_json(e->t);
      } else {
        auto w = std::make_shared<waiter>();
        w->c = c;
        w->id = id;
        w->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
        waiters_.push_back(w);
        timer_cv_.notify_all();
        return;  // completed by finalize_locked, the timer or on_cancel
      }
    }
    if (json.empty())
      c->fail(RA_NOT_FOUND, "no task '" + id + "' on this host");
    else
      c->ok(json);
  }

  void timer_loop() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      auto now = std::chrono::steady_clock::now();
      std::vector<std::shared_ptr<waiter>> expired;
      auto next = now + std::chrono::hours(1);
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if ((*it)->deadline <= now) {
          expired.push_back(*it);
          it = waiters_.erase(it);
        } else {
          next = std::min(next, (*it)->deadline);
          ++it;
        }
      }
      if (!expired.empty()) {
        lock.unlock();
        for (auto &w : expired) finish_waiter(w, RA_OK);
        lock.lock();
        continue;
      }
      timer_cv_.wait_until(lock, next);
    }
  }

  void cancel(ra::call_ptr c) {
    std::string id = id_of(c->args_json());
    std::vector<std::shared_ptr<waiter>> ready;
    bool has_handle = false;
    uint64_t handle = 0;
    std::string json, why;
    ra_status refusal = RA_OK;
    {
      std::lock_guard lock(mu_);
      auto e = find_locked(id);
      if (!e) {
        refusal = RA_NOT_FOUND;
        why = "no task '" + id + "' on this host";
      } else if (is_final(e->t.st)) {
        refusal = RA_FAILED_PRECONDITION;
        why = "task '" + id + "' already ended (" + state_name(e->t.st) + ")";
      } else if (e->t.st == state::queued) {
        queue_.erase(std::remove(queue_.begin(), queue_.end(), id), queue_.end());
        ready = finalize_locked(*e, state::cancelled, "cancelled by task_cancel before it started");
        json = task_json(e->t);
      } else {
        e->cancel_requested = true;
        has_handle = e->has_handle;
        handle = e->handle;
      }
    }
    if (refusal != RA_OK) {
      c->fail(refusal, why);
      return;
    }
    wake(ready);
    if (!json.empty()) {
      c->ok(json);
      return;
    }
    const ra_host_t *h = host().get();
    if (has_handle) h->dispatch_cancel(h, handle);  // the core kills the run's process group
    // Report the end state: the group is gone within moments of the kill.
    std::unique_lock lock(mu_);
    final_cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      auto e = find_locked(id);
      return !e || is_final(e->t.st);
    });
    auto e = find_locked(id);
    json = e ? task_json(e->t) : "{}";
    lock.unlock();
    c->ok(json);
  }

  void run(ra::call_ptr c) {
    rapidjson::Document d;
    d.Parse(c->args_json().data(), c->args_json().size());
    std::string id, key;
    if (d.IsObject()) {
      if (auto it = d.FindMember("id"); it != d.MemberEnd() && it->value.IsString()) id = it->value.GetString();
      if (auto it = d.FindMember("key"); it != d.MemberEnd() && it->value.IsString()) key = it->value.GetString();
    }
    if (key != key_) {
      c->fail(RA_PERMISSION_DENIED, "task_run is internal to the tasks plugin; use task_dispatch");
      return;
    }
    std::vector<std::string> argv;
    std::string cwd;
    int64_t timeout_ms = 0;
    std::vector<std::shared_ptr<waiter>> ready;
    std::string refusal;
    {
      std::lock_guard lock(mu_);
      auto e = find_locked(id);
      if (!e || e->t.st != state::running || e->run_started) {
        c->fail(RA_FAILED_PRECONDITION, "task '" + id + "' is not waiting to run");
        return;
      }
      e->run_started = true;
      if (c->mode() == RA_MODE_PLAN && settings_.plan == plan_policy::refuse) {
        refusal = "this host refuses AI tasks in plan mode ([plugins.tasks.config] plan = \"refuse\")";
        ready = finalize_locked(*e, state::failed, refusal);
      }
      argv = e->t.argv;
      cwd = e->t.cwd;
      timeout_ms = e->t.timeout_ms;
      // In plan mode the CLI also runs in its own read-only mode (runner plan_args), on top of the
      // kernel sandbox the core applies; the mode is the one at run time, not at dispatch.
      if (c->mode() == RA_MODE_PLAN && refusal.empty())
        if (const runner_def *r = find_runner(settings_, e->t.runner)) {
          std::string err;
          if (auto planned = expand(*r, e->t.prompt, e->t.session_id, err, /*plan=*/true)) argv = std::move(*planned);
        }
    }
    if (!refusal.empty()) {
      wake(ready);
      c->fail(RA_PERMISSION_DENIED, refusal);
      return;
    }
    std::vector<const char *> av;
    for (const auto &x : argv) av.push_back(x.c_str());
    av.push_back(nullptr);
    ra_spawn_spec_t spec{};
    spec.struct_size = sizeof spec;
    spec.argv = av.data();
    spec.env = nullptr;  // the host's own environment: the CLI uses its own login / API keys
    spec.cwd = cwd.empty() ? nullptr : cwd.c_str();
    spec.stdin_data = nullptr;
    spec.timeout_ms = timeout_ms;
    spec.max_output = UINT64_MAX;  // everything is delivered; the plugin keeps the tail

    std::weak_ptr<ra::call> weak = c;
    auto on_output = [this, id](int, std::string_view data) {
      std::lock_guard lock(mu_);
      if (auto e = find_locked(id)) append_output(e->t, data, settings_.max_output);
    };
    auto on_exit = [this, id, weak, timeout_ms](const ra_spawn_result_t &r) {
      std::vector<std::shared_ptr<waiter>> rdy;
      std::string json;
      {
        std::lock_guard lock(mu_);
        auto e = find_locked(id);
        if (e) {
          state to = state::failed;
          std::string why;
          if (r.status != RA_OK) {
            why = std::string("the runner could not be started: ") + (r.error ? r.error : "?");
          } else {
            e->t.exit_code = r.exit_code;
            if (r.cancelled && e->cancel_requested) {
              to = state::cancelled;
              why = "cancelled by task_cancel";
            } else if (r.cancelled) {
              why = kStoppedReason;
            } else if (r.timed_out) {
              why = "timed out after " + std::to_string(timeout_ms) + " ms (process group killed)";
            } else if (r.exit_code == 0 && r.term_signal == 0) {
              to = state::done;
            } else if (r.term_signal) {
              why = "runner was killed by signal " + std::to_string(r.term_signal);
            } else {
              why = "runner exited with code " + std::to_string(r.exit_code);
            }
          }
          rdy = finalize_locked(*e, to, why);
          json = task_json(e->t);
        }
      }
      wake(rdy);
      if (auto call = weak.lock()) call->ok(json.empty() ? "{}" : json);
    };
    std::string error;
    ra_status s = c->spawn(spec, on_output, on_exit, &error);
    if (s != RA_OK) {
      std::string why = "the runner could not be started: " + (error.empty() ? std::string(ra_status_name(s)) : error);
      {
        std::lock_guard lock(mu_);
        if (auto e = find_locked(id)) {
          // Cancelled between the dispatch of task_run and this spawn: the call was cancelled.
          if (e->cancel_requested)
            ready = finalize_locked(*e, state::cancelled, "cancelled by task_cancel");
          else
            ready = finalize_locked(*e, state::failed, stopping_ ? std::string(kStoppedReason) : why);
        }
      }
      wake(ready);
      c->fail(s, why);
    }
  }

  settings settings_;
  std::string key_;
  std::string dir_;
  std::mutex mu_;
  std::condition_variable timer_cv_;
  std::condition_variable final_cv_;
  std::map<std::string, std::shared_ptr<entry>> tasks_;
  std::deque<std::string> queue_;
  std::vector<std::shared_ptr<waiter>> waiters_;
  std::vector<std::pair<std::string, std::string>> events_;  // (reply_to, body) not yet sent
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace

RA_PLUGIN(tasks, tasks_plugin, "tasks", "AI tasks", "0.1.0",
          "Autonomous AI tasks run by the host's own AI CLI (claude, opencode) through the sandboxed spawn")
