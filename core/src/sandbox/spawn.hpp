// sandbox/spawn.hpp — the core's one way to start a child process: its own process group,
// no_new_privs, the mode's Landlock ruleset, stdin fed and closed, stdout/stderr streamed with a
// per-stream cap, and the whole group killed on timeout, cancel or shutdown (grandchildren too).
// When the leader exits, background members still holding stdout/stderr get 200 ms, then the group
// is killed; members left without output are killed at once. Details: sandbox/README.md.
// Thread safety: process_supervisor is thread-safe; callbacks run on the child's watcher thread
// and must not call shutdown() or destroy the supervisor (that would wait for themselves).
// The daemon must not reap children it did not start (no SIGCHLD = SIG_IGN, no wait(-1)).
#pragma once

#include <atomic>
#include <filesystem>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/landlock.hpp"
#include "util/status.hpp"

namespace ra::sandbox {

struct spawn_result {
  int exit_code = -1;  // -1 when killed by a signal
  int term_signal = 0;
  bool timed_out = false;
  bool cancelled = false;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  uint64_t stdout_bytes = 0;
  uint64_t stderr_bytes = 0;
  int64_t duration_ms = 0;
  bool sandboxed = false;  // a Landlock ruleset was applied (false in bypass or without Landlock)
};

struct spawn_request {
  std::vector<std::string> argv;       // argv[0] looked up on PATH when it has no '/'
  std::vector<std::string> extra_env;  // "K=V", added to / replacing the inherited environment
  std::string cwd;                     // empty = inherit
  bool has_stdin = false;              // false: the child's stdin is /dev/null
  std::string stdin_data;              // written by the watcher, then closed (EOF)
  int64_t timeout_ms = 0;              // 0 = none
  uint64_t max_output = 131072;        // per stream; 0 = deliver nothing (bytes still counted)
  fs_profile profile;                  // sandbox of the caller's mode
  // Output chunks in arrival order, at most max_output bytes per stream in total.
  std::function<void(int stream /*1 stdout, 2 stderr*/, std::string_view data)> on_output;
  // Exactly once, after the group is gone and all delivered output was passed to on_output.
  std::function<void(const spawn_result &)> on_exit;
};

class process;  // one running child (opaque)

class process_supervisor {
 public:
  process_supervisor();
  ~process_supervisor();  // kills every group still running and joins watchers

  // From now on every child's process group is recorded in `dir` while it runs (child_ledger.hpp),
  // so a daemon restarted after a crash can kill what the dead one left behind. Call before the
  // first spawn.
  void record_children_in(const std::filesystem::path &dir);
  // Starts the child. On success on_exit will be called exactly once.
  result<std::shared_ptr<process>> spawn(spawn_request req);
  // Kills a running child's process group (SIGKILL); on_exit reports cancelled = true.
  static void cancel(const std::shared_ptr<process> &p);
  // Kills everything still running (shutdown) and waits for the watchers to finish.
  void shutdown();
  size_t running() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ra::sandbox
