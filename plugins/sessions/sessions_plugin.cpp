// sessions_plugin.cpp — ABI glue of the sessions plugin: session_list and session_get (read) over
// the local chat histories of claude, opencode, cline, roo, kilo and zed (threads.db and its -wal), and
// session_resume (exec), which continues a claude/opencode session with its CLI through host->spawn
// (sandbox of the call's mode, process-group kill on timeout/cancel, prompt as one argv element).
// Every file is read through host->open_file (ABI 1.1), so the path policy of the call's mode
// applies; the logic is in sessions_tool.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/document.h>

#include <cstdlib>
#include <mutex>
#include <remote_agents/plugin.hpp>
#include <stdexcept>

#include "sessions_tool.hpp"
#include "spawn_collect.hpp"

namespace {

using namespace ra_sessions;

// fs_reader over host->open_file for one call.
class host_fs final : public fs_reader {
 public:
  explicit host_fs(const ra::call_ptr &c) : c_(c) {}

  int open(const std::string &path, uint32_t how) {
    const ra_host_t *h = c_->host();
    ra_status st = RA_OK;
    char err[512] = {0};
    return h->open_file(h, c_->raw(), path.c_str(), how, 0, &st, err, sizeof err);
  }

  std::optional<std::vector<dir_entry>> list(const std::string &dir) override {
    int fd = open(dir, RA_OPEN_DIRECTORY);
    if (fd < 0) return std::nullopt;
    DIR *d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      return std::nullopt;
    }
    std::vector<dir_entry> out;
    int dfd = ::dirfd(d);
    while (dirent *de = ::readdir(d)) {
      std::string_view n = de->d_name;
      if (n == "." || n == "..") continue;
      struct stat st {};
      if (::fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      dir_entry e;
      e.name = n;
      e.is_dir = S_ISDIR(st.st_mode);
      e.is_file = S_ISREG(st.st_mode);
      e.mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
      e.size = static_cast<uint64_t>(st.st_size);
      out.push_back(std::move(e));
    }
    ::closedir(d);
    return out;
  }

  std::optional<std::string> read(const std::string &path, uint64_t max, bool *truncated) override {
    int fd = open(path, RA_OPEN_READ);
    if (fd < 0) return std::nullopt;
    std::string out;
    char buf[65536];
    bool more = false;
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        ::close(fd);
        return std::nullopt;
      }
      if (n == 0) break;
      size_t room = max - out.size();
      if (static_cast<uint64_t>(n) > room) {
        out.append(buf, room);
        more = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    if (truncated) *truncated = more;
    return out;
  }

  bool cancelled() override { return c_->cancelled(); }

 private:
  ra::call_ptr c_;
};

// Running processes with their command lines, read from /proc through the host (unreadable ones
// skipped).
std::vector<process> processes(host_fs &fs) {
  std::vector<process> out;
  auto procs = fs.list("/proc");
  if (!procs) return out;
  for (const auto &p : *procs) {
    if (!p.is_dir || p.name.empty() || p.name.size() > 9 || p.name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    auto raw = fs.read("/proc/" + p.name + "/cmdline", 64 * 1024, nullptr);
    if (!raw || raw->empty()) continue;
    process pr;
    pr.pid = std::stoi(p.name);
    size_t i = 0;
    while (i < raw->size()) {
      size_t z = raw->find('\0', i);
      if (z == std::string::npos) z = raw->size();
      pr.argv.push_back(raw->substr(i, z - i));
      i = z + 1;
    }
    out.push_back(std::move(pr));
  }
  return out;
}

std::vector<std::vector<std::string>> cmdlines(const std::vector<process> &ps) {
  std::vector<std::vector<std::string>> out;
  for (const auto &p : ps) out.push_back(p.argv);
  return out;
}

bool on_path(const std::string &name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0;
  const char *path = std::getenv("PATH");
  std::string_view p = path ? path : "/usr/bin:/bin";
  while (true) {
    size_t c = p.find(':');
    std::string dir(p.substr(0, c));
    if (dir.empty()) dir = ".";
    if (::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    if (c == std::string_view::npos) return false;
    p.remove_prefix(c + 1);
  }
}

constexpr const char *list_schema = R"json({"type":"object","properties":{
"provider":{"type":"string","enum":["claude","opencode","cline","roo","kilo","zed"],"description":"only this provider"},
"limit":{"type":"integer","minimum":1,"maximum":1000,"description":"sessions returned, default 50"},
"query":{"type":"string","maxLength":1000,"description":"case-insensitive substring of title, id or cwd"}},
"additionalProperties":false})json";

constexpr const char *get_schema = R"json({"type":"object","properties":{
"provider":{"type":"string","enum":["claude","opencode","cline","roo","kilo","zed"]},
"id":{"type":"string","minLength":1,"maxLength":200},
"limit":{"type":"integer","minimum":1,"maximum":1000,"description":"messages returned, default 200"},
"offset":{"type":"integer","minimum":0,"description":"index of the first message returned (oldest = 0)"}},
"required":["provider","id"],"additionalProperties":false})json";

constexpr const char *terminate_schema = R"json({"type":"object","properties":{
"id":{"type":"string","minLength":1,"maxLength":200,"description":"the session id a running claude/opencode process names"}},
"required":["id"],"additionalProperties":false})json";

constexpr const char *resume_schema = R"json({"type":"object","properties":{
"provider":{"type":"string","enum":["claude","opencode","cline","roo","kilo","zed"]},
"id":{"type":"string","minLength":1,"maxLength":200},
"prompt":{"type":"string","minLength":1,"maxLength":200000}},
"required":["provider","id","prompt"],"additionalProperties":false})json";

class sessions_plugin : public ra::plugin {
 public:
  sessions_plugin(const ra_host_t *host, std::string_view config_json) : ra::plugin(host) {
    if (host->abi_minor < 1 || !RA_HAS(host, ra_host_t, open_file))
      throw std::runtime_error("needs host ABI >= 1.1 (host->open_file)");
    std::string error;
    auto s = parse_settings(config_json, error);
    if (!s) throw std::runtime_error("[plugins.sessions.config]: " + error);
    settings_ = *s;
    auto env = [](const char *k) {
      const char *v = std::getenv(k);
      return std::string(v ? v : "");
    };
    std::string home = env("HOME");
    if (home.empty()) throw std::runtime_error("HOME is not set");
    loc_ = default_locations(home, env("XDG_CONFIG_HOME"), env("XDG_DATA_HOME"));
  }

  std::vector<ra::tool> define_tools() override {
    std::vector<ra::tool> tools;
    const uint32_t read_hints = RA_HINT_READ_ONLY | RA_HINT_IDEMPOTENT;
    {
      ra::tool t;
      t.name = "session_list";
      t.title = "List AI chat sessions";
      t.description =
          "Local AI-assistant chat histories on this host, newest first: claude (~/.claude/projects), opencode "
          "(~/.local/share/opencode/storage), cline / roo / kilo (VS Code globalStorage task dirs), zed "
          "(~/.local/share/zed/threads/threads.db). Each: provider, id, title (first user message, truncated), cwd, "
          "updated "
          "(ISO 8601), messages, read_only (cline/roo/kilo/zed cannot be resumed), live (a running claude/opencode "
          "process names it). provider filters, query matches title/id/cwd, limit (default 50). Corrupt files are "
          "skipped and counted per provider. Read-only.";
      t.input_schema = list_schema;
      t.hints = read_hints;
      t.permission = RA_PERM_READ;
      t.handler = [this](ra::call_ptr c) {
        host_fs fs(c);
        auto live = active_ids(cmdlines(processes(fs)));
        finish(c, list_sessions(fs, loc_, c->args_json(), live));
      };
      tools.push_back(std::move(t));
    }
    {
      ra::tool t;
      t.name = "session_get";
      t.title = "Read an AI chat session";
      t.description =
          "The transcript of one session (provider + id from session_list), oldest first: messages "
          "[{role, text, time?}] with each text capped at 16 KiB (truncated: true), paged with offset/limit "
          "(default 200; next_offset is null at the end), plus title, cwd, updated, total. Read-only.";
      t.input_schema = get_schema;
      t.hints = read_hints;
      t.permission = RA_PERM_READ;
      t.handler = [this](ra::call_ptr c) {
        host_fs fs(c);
        finish(c, get_session(fs, loc_, c->args_json()));
      };
      tools.push_back(std::move(t));
    }
    {
      ra::tool t;
      t.name = "session_resume";
      t.title = "Continue an AI chat session";
      t.description =
          "Continue a claude or opencode session with a new prompt through the provider's CLI on this host "
          "(claude -p <prompt> --resume <id> in the session's cwd; opencode run --session <id> <prompt>), "
          "sandboxed per the mode, killed after the timeout (default 600 s). Returns the CLI's output. "
          "cline/roo/kilo/zed sessions are view-only and refused.";
      t.input_schema = resume_schema;
      t.hints = RA_HINT_OPEN_WORLD | RA_HINT_LONG_RUNNING;
      t.permission = RA_PERM_EXEC;
      // The program that runs is the provider's CLI (claude, opencode): the core checks the provider
      // name with the command policy before invoke (plan refuses it, allowed_commands applies), and
      // host->spawn checks the real argv again (R50).
      t.command_args = {"provider"};
      t.handler = [this](ra::call_ptr c) { resume(std::move(c)); };
      tools.push_back(std::move(t));
    }
    {
      ra::tool t;
      t.name = "session_terminate";
      t.title = "Stop a running AI session";
      t.description =
          "Send SIGTERM to the running claude/opencode process that works on a session: the first process (lowest "
          "pid) whose command line mentions claude or opencode and has an argument equal to id (see live in "
          "session_list). The signal is sent by `kill -TERM <pid>` through the host's sandboxed spawn. Edit or "
          "bypass mode only. Fails with 'no live session for that id' when none runs.";
      t.input_schema = terminate_schema;
      t.hints = RA_HINT_DESTRUCTIVE;
      t.permission = RA_PERM_WRITE;
      t.handler = [this](ra::call_ptr c) { terminate(std::move(c)); };
      tools.push_back(std::move(t));
    }
    return tools;
  }

 private:
  void terminate(const ra::call_ptr &c) {
    std::string id;
    {
      rapidjson::Document d;
      auto args = c->args_json();
      d.Parse(args.data(), args.size());
      if (!d.HasParseError() && d.IsObject() && d.HasMember("id") && d["id"].IsString())
        id.assign(d["id"].GetString(), d["id"].GetStringLength());
    }
    if (!valid_id(id)) {
      c->fail(RA_INVALID_ARGUMENT, "invalid session id");
      return;
    }
    host_fs fs(c);
    auto p = find_live_process(processes(fs), id, static_cast<int>(::getpid()));
    if (!p) {
      c->fail(RA_NOT_FOUND, "no live session for that id");
      return;
    }
    auto pid = std::make_shared<std::string>(std::to_string(p->pid));
    std::string cmd;
    for (const auto &a : p->argv) cmd += (cmd.empty() ? "" : " ") + a;
    auto command = std::make_shared<std::string>(cmd.substr(0, 1000));
    const char *av[] = {"kill", "-TERM", pid->c_str(), nullptr};
    ra_spawn_spec_t spec{};
    spec.struct_size = sizeof spec;
    spec.argv = av;
    spec.timeout_ms = 10'000;
    struct stderr_text {
      std::mutex mu;
      std::string err;
    };
    auto err = std::make_shared<stderr_text>();
    std::weak_ptr<ra::call> weak = c;
    auto on_output = [err](int stream, std::string_view data) {
      std::lock_guard lock(err->mu);
      if (stream == RA_SPAWN_STDERR) err->err.append(data);
    };
    auto on_exit = [weak, pid, command, id, err](const ra_spawn_result_t &r) {
      auto call = weak.lock();
      if (!call) return;
      if (r.status != RA_OK || r.exit_code != 0) {
        std::lock_guard lock(err->mu);
        call->fail(RA_ABORTED, "failed to terminate pid " + *pid + (err->err.empty() ? "" : ": " + err->err));
        return;
      }
      std::string json = "{\"id\":\"" + id + "\",\"pid\":" + *pid + ",\"signal\":\"TERM\",\"terminated\":true}";
      call->ok(json);
    };
    std::string error;
    ra_status s = c->spawn(spec, on_output, on_exit, &error);
    if (s != RA_OK) c->fail(s, "failed to terminate pid " + *pid + (error.empty() ? "" : ": " + error));
  }

  static void finish(const ra::call_ptr &c, const outcome &o) {
    c->complete(o.status, o.json, o.message.empty() ? nullptr : o.message.c_str());
  }

  void resume(const ra::call_ptr &c) {
    host_fs fs(c);
    outcome err;
    auto plan = plan_resume(fs, loc_, settings_, c->args_json(), err);
    if (!plan) {
      finish(c, err);
      return;
    }
    if (!on_path(plan->argv[0])) {
      c->fail(RA_NOT_FOUND, "the " + plan->provider + " CLI ('" + plan->argv[0] +
                                "') was not found on PATH; install it or set [plugins.sessions.config] " +
                                plan->provider + " = \"/abs/path\"");
      return;
    }
    // The session's cwd only when it still is a directory the policy lets us see.
    if (!plan->cwd.empty()) {
      int fd = fs.open(plan->cwd, RA_OPEN_DIRECTORY);
      if (fd < 0)
        plan->cwd.clear();
      else
        ::close(fd);
    }
    auto p = std::make_shared<resume_plan>(std::move(*plan));
    std::vector<const char *> av;
    for (const auto &a : p->argv) av.push_back(a.c_str());
    av.push_back(nullptr);
    ra_spawn_spec_t spec{};
    spec.struct_size = sizeof spec;
    spec.argv = av.data();
    spec.env = nullptr;
    spec.cwd = p->cwd.empty() ? nullptr : p->cwd.c_str();
    spec.stdin_data = nullptr;
    spec.timeout_ms = settings_.timeout_ms;
    spec.max_output = settings_.max_output;
    auto on_done = [p](const ra::call_ptr &call, std::string out, std::string err, const ra_spawn_result_t &r) {
      run_result rr;
      rr.out = std::move(out);
      rr.err = std::move(err);
      rr.exit_code = r.exit_code;
      rr.term_signal = r.term_signal;
      rr.timed_out = r.timed_out;
      rr.cancelled = r.cancelled;
      rr.out_truncated = r.stdout_truncated;
      rr.sandboxed = r.sandboxed;
      rr.duration_ms = r.duration_ms;
      finish(call, resume_outcome(*p, rr));
    };
    std::string error;
    ra_status s = ra::plugin_text::spawn_collect(c, spec, "the CLI failed to start", std::move(on_done), error);
    if (s != RA_OK)
      c->fail(s, error.empty() ? "the " + p->provider + " CLI could not be started" : p->provider + ": " + error);
  }

  settings settings_;
  locations loc_;
};

}  // namespace

RA_PLUGIN(sessions, sessions_plugin, "sessions", "Sessions", "0.1.0",
          "Local AI chat histories (claude, opencode, cline, roo, kilo): list, read and resume through the host")
