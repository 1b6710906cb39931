// git_plugin.cpp — ABI glue of the git plugin: git_status, git_log, git_diff (read) and git_pull,
// git_commit, git_push (write). Every git invocation is a child started through host->spawn, so the
// core's command policy, sandbox, process-group kill on timeout/cancel and output caps apply;
// multi-step tools chain their next step from the previous one's exit. Nothing here blocks.
#include <remote_agents/plugin.hpp>

#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "git_tool.hpp"
#include "spawn_collect.hpp"

namespace {

using ra_git::git_args;
using ra_git::op;
using ra_git::run_result;

class git_plugin : public ra::plugin {
 public:
  git_plugin(const ra_host_t *host, std::string_view config_json) : ra::plugin(host) {
    std::string error;
    auto s = ra_git::parse_settings(config_json, error);
    if (!s) throw std::runtime_error("[plugins.git.config]: " + error);
    settings_ = *s;
    read_env_ = ra_git::read_env();
    // Read once, on the main strand at load: the daemon's own GIT_SSH_COMMAND is kept if set.
    write_env_ = ra_git::write_env(settings_, std::getenv("GIT_SSH_COMMAND"));
  }

  std::vector<ra::tool> define_tools() override {
    std::vector<ra::tool> tools;
    auto add = [&](op o, const char *title, const char *description, uint32_t hints) {
      ra::tool t;
      t.name = ra_git::tool_name(o);
      t.title = title;
      t.description = description;
      t.input_schema = ra_git::input_schema(o);
      t.output_schema = ra_git::output_schema(o);
      t.hints = hints;
      bool write = o == op::pull || o == op::commit || o == op::push;
      t.permission = write ? RA_PERM_WRITE : RA_PERM_READ;
      if (write)
        t.write_path_args = {"repo"};
      else
        t.read_path_args = {"repo"};
      t.never_blocks = true;  // only starts asynchronous spawns
      t.handler = [this, o](ra::call_ptr c) { begin(o, std::move(c)); };
      tools.push_back(std::move(t));
    };
    const uint32_t read_hints = RA_HINT_READ_ONLY | RA_HINT_IDEMPOTENT;
    add(op::status, "Git status",
        "Status of a git repository on this host (git status --porcelain=v2, parsed): branch (null when detached), "
        "head commit (null before the first commit: unborn), detached, upstream, ahead/behind, and the staged, "
        "modified (not staged), untracked and conflicted files; renames carry orig_path. clean is true when "
        "nothing is pending. Read-only (works in plan mode). Fails clearly when repo is not a git repository.",
        read_hints);
    add(op::log, "Git log",
        "Recent commits of a git repository, newest first: commit id, author, email, date (ISO 8601) and subject. "
        "max_count (default 20, at most 1000); ref selects a revision or range (e.g. main..feature); path keeps "
        "commits that touch it. An unborn branch gives an empty list. Read-only (works in plan mode).",
        read_hints);
    add(op::diff, "Git diff",
        "Unified diff of a git repository: the working tree against the index (default), the index against HEAD "
        "(staged: true), or against ref (a commit, or a range like main..feature); path limits it; stat: true "
        "returns a diffstat instead of the patch. The text is capped (plugin max_output, default 1 MiB): "
        "truncated says when, diff_bytes gives the full size. Read-only (works in plan mode).",
        read_hints);
    add(op::pull, "Git pull",
        "git pull <remote> [<branch>] in a repository (remote default origin): fetch and merge, never rebase, "
        "never interactive (no editor, no credential or ssh prompts: missing credentials fail). On a merge "
        "conflict the call fails listing the conflicted files, and the repository is LEFT mid-merge for you to "
        "resolve and commit, or to abort with `git merge --abort`. Returns success, output, up_to_date. Edit or "
        "bypass mode only; default timeout 120 s.",
        RA_HINT_OPEN_WORLD | RA_HINT_LONG_RUNNING);
    add(op::commit, "Git commit",
        "Commit in a repository: without files, every change (git add -A, untracked files included); with files, "
        "exactly those paths are staged and committed (other staged changes stay staged, uncommitted). message "
        "is required. Returns the new commit id and git's summary; nothing to commit is a failure. Repository "
        "hooks run. Edit or bypass mode only.",
        0);
    add(op::push, "Git push",
        "git push <remote> [<branch>] from a repository (remote default origin; without branch git's push.default "
        "applies). Never forced, never interactive (missing credentials fail). A rejected push (e.g. "
        "non-fast-forward: the remote has commits you do not have) fails naming the reason; refs lists each "
        "ref's outcome. Edit or bypass mode only; default timeout 120 s.",
        RA_HINT_OPEN_WORLD | RA_HINT_LONG_RUNNING);
    return tools;
  }

 private:
  using next_fn = std::function<void(const ra::call_ptr &, const run_result &)>;

  static void finish(const ra::call_ptr &c, const ra_git::outcome &o) {
    c->complete(o.status, o.result_json, o.message.empty() ? nullptr : o.message.c_str());
  }

  std::string spawn_problem(ra_status s, const std::string &error) const {
    std::string why = error.empty() ? std::string("git could not be started") : error;
    if (s == RA_NOT_FOUND) why += " (is git installed? [plugins.git.config] git names the binary)";
    return why;
  }

  // Starts one git invocation for the call; `next` receives its result on a spawn watcher thread.
  // Returns false (with `error`) when it could not start; nothing is then called.
  bool run_git(const ra::call_ptr &c, const std::vector<std::string> &argv, const std::vector<std::string> &env,
               const std::string *stdin_data, int64_t timeout_ms, next_fn next, ra_status &status, std::string &error) {
    std::vector<const char *> av;
    for (const auto &a : argv) av.push_back(a.c_str());
    av.push_back(nullptr);
    std::vector<const char *> ev;
    for (const auto &e : env) ev.push_back(e.c_str());
    ev.push_back(nullptr);
    ra_spawn_spec_t spec{};
    spec.struct_size = sizeof spec;
    spec.argv = av.data();
    spec.env = ev.data();
    spec.cwd = nullptr;  // the repository is given with git -C
    // No stdin data: the child reads /dev/null.
    spec.stdin_data = stdin_data ? stdin_data->data() : nullptr;
    spec.stdin_len = stdin_data ? stdin_data->size() : 0;
    spec.timeout_ms = timeout_ms;
    spec.max_output = settings_.max_output;

    auto on_done = [next = std::move(next)](const ra::call_ptr &call, std::string out, std::string err,
                                            const ra_spawn_result_t &r) {
      run_result rr;
      rr.out = std::move(out);
      rr.err = std::move(err);
      rr.exit_code = r.exit_code;
      rr.term_signal = r.term_signal;
      rr.timed_out = r.timed_out;
      rr.cancelled = r.cancelled;
      rr.out_truncated = r.stdout_truncated;
      rr.err_truncated = r.stderr_truncated;
      rr.out_bytes = r.stdout_bytes;
      rr.duration_ms = r.duration_ms;
      next(call, rr);
    };
    status = ra::plugin_text::spawn_collect(c, spec, "git failed to start", std::move(on_done), error);
    return status == RA_OK;
  }

  // run_git, failing the call when git cannot start.
  void run_or_fail(const ra::call_ptr &c, const std::vector<std::string> &argv, const std::vector<std::string> &env,
                   const std::string *stdin_data, int64_t timeout_ms, next_fn next) {
    ra_status s = RA_OK;
    std::string error;
    if (!run_git(c, argv, env, stdin_data, timeout_ms, std::move(next), s, error)) c->fail(s, spawn_problem(s, error));
  }

  static bool failed(const run_result &r) { return r.exit_code != 0 || r.timed_out || r.cancelled; }

  void begin(op o, ra::call_ptr c) {
    std::string error;
    auto parsed = ra_git::parse_args(o, c->args_json(), settings_, error);
    if (!parsed) {
      c->fail(RA_INVALID_ARGUMENT, error);
      return;
    }
    auto a = std::make_shared<const git_args>(std::move(*parsed));
    switch (o) {
      case op::status:
        run_or_fail(
            c, ra_git::status_argv(settings_, a->repo), read_env_, nullptr, a->timeout_ms,
            [a](const ra::call_ptr &call, const run_result &r) { finish(call, ra_git::status_outcome(*a, r)); });
        return;
      case op::log:
        run_or_fail(c, ra_git::log_argv(settings_, *a), read_env_, nullptr, a->timeout_ms,
                    [a](const ra::call_ptr &call, const run_result &r) { finish(call, ra_git::log_outcome(*a, r)); });
        return;
      case op::diff:
        // First make sure repo is a repository: outside one, git diff compares two arbitrary files.
        run_or_fail(c, ra_git::git_dir_argv(settings_, a->repo), read_env_, nullptr, a->timeout_ms,
                    [this, a](const ra::call_ptr &call, const run_result &check) {
                      if (auto f = ra_git::repo_check_outcome(*a, check)) {
                        finish(call, *f);
                        return;
                      }
                      run_or_fail(call, ra_git::diff_argv(settings_, *a), read_env_, nullptr, a->timeout_ms,
                                  [a](const ra::call_ptr &c2, const run_result &r) {
                                    finish(c2, ra_git::diff_outcome(*a, r));
                                  });
                    });
        return;
      case op::push:
        run_or_fail(c, ra_git::push_argv(settings_, *a), write_env_, nullptr, a->timeout_ms,
                    [a](const ra::call_ptr &call, const run_result &r) { finish(call, ra_git::push_outcome(*a, r)); });
        return;
      case op::pull:
        run_or_fail(c, ra_git::pull_argv(settings_, *a), write_env_, nullptr, a->timeout_ms,
                    [this, a](const ra::call_ptr &call, const run_result &pull) { after_pull(call, a, pull); });
        return;
      case op::commit:
        run_or_fail(c, ra_git::add_argv(settings_, *a), write_env_, nullptr, a->timeout_ms,
                    [this, a](const ra::call_ptr &call, const run_result &add) { after_add(call, a, add); });
        return;
    }
    c->fail(RA_INTERNAL, "unknown git tool");
  }

  // A failed pull: read the status to list the conflicts it may have left.
  void after_pull(const ra::call_ptr &c, const std::shared_ptr<const git_args> &a, const run_result &pull) {
    if (!failed(pull) || pull.timed_out || pull.cancelled) {
      finish(c, ra_git::pull_outcome(*a, pull, nullptr));
      return;
    }
    ra_status s = RA_OK;
    std::string error;
    auto next = [a, pull](const ra::call_ptr &call, const run_result &st) {
      finish(call, ra_git::pull_outcome(*a, pull, &st));
    };
    if (!run_git(c, ra_git::status_argv(settings_, a->repo), read_env_, nullptr, a->timeout_ms, next, s, error))
      finish(c, ra_git::pull_outcome(*a, pull, nullptr));
  }

  void after_add(const ra::call_ptr &c, const std::shared_ptr<const git_args> &a, const run_result &add) {
    if (failed(add)) {
      finish(c, ra_git::commit_outcome(*a, add, nullptr, nullptr));
      return;
    }
    // The message goes to git's stdin (commit -F -); spawn copies it.
    run_or_fail(
        c, ra_git::commit_argv(settings_, *a), write_env_, &a->message, a->timeout_ms,
        [this, a, add](const ra::call_ptr &call, const run_result &commit) { after_commit(call, a, add, commit); });
  }

  void after_commit(const ra::call_ptr &c, const std::shared_ptr<const git_args> &a, const run_result &add,
                    const run_result &commit) {
    if (failed(commit)) {
      finish(c, ra_git::commit_outcome(*a, add, &commit, nullptr));
      return;
    }
    ra_status s = RA_OK;
    std::string error;
    auto next = [a, add, commit](const ra::call_ptr &call, const run_result &head) {
      finish(call, ra_git::commit_outcome(*a, add, &commit, &head));
    };
    // The commit is made; if its id cannot be read the result says commit: null.
    if (!run_git(c, ra_git::head_argv(settings_, a->repo), read_env_, nullptr, a->timeout_ms, next, s, error))
      finish(c, ra_git::commit_outcome(*a, add, &commit, nullptr));
  }

  ra_git::git_settings settings_;
  std::vector<std::string> read_env_;
  std::vector<std::string> write_env_;
};

}  // namespace

RA_PLUGIN(git, git_plugin, "git", "Git", "0.1.0",
          "Git status, log and diff (read) and pull, commit and push (write) through the host's sandboxed spawn")
