#include "sandbox/spawn.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <optional>
#include <thread>

#include "sandbox/child_ledger.hpp"
#include "sandbox/launch.hpp"

namespace ra::sandbox {

using mono_clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// After the leader exits, background members that still hold stdout/stderr get this long to
// finish writing before the group is killed. Short, because a backgrounded `sleep 100 &` must
// not hold the call; long enough for a helper that is just flushing its last lines.
constexpr milliseconds k_exit_grace{200};
// After the group was killed, the pipes normally close at once. If they do not, a member escaped
// the group (setsid) and holds them: stop reading rather than hang the call.
constexpr milliseconds k_drain_limit{1000};
constexpr size_t k_read_chunk = 64 * 1024;

// One output stream of the child and its accounting.
struct stream {
  explicit stream(int stream_id) : id(stream_id) {}
  int id;  // 1 stdout, 2 stderr
  unique_fd fd;
  uint64_t bytes = 0;      // everything the child wrote
  uint64_t delivered = 0;  // what on_output saw (at most max_output)
  bool truncated = false;
};

}  // namespace

// One running child: what cancel() needs from any thread.
class process {
 public:
  explicit process(unique_fd wake) : wake_(std::move(wake)) {}

  // Any thread, idempotent: the watcher sees the flag when the eventfd wakes it.
  void request_cancel() {
    cancel_requested_.store(true);
    uint64_t one = 1;
    while (::write(wake_.get(), &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
  bool cancel_requested() const { return cancel_requested_.load(); }
  int wake_fd() const { return wake_.get(); }

 private:
  unique_fd wake_;  // eventfd
  std::atomic<bool> cancel_requested_{false};
};

namespace {

// Watches one child until its group is gone: feeds stdin, streams capped output, enforces the
// timeout and cancel, then reaps the leader and reports once. One thread per child, each a plain
// blocking poll() loop: simpler to get right than a shared epoll reactor, and the number of
// concurrent children is bounded by the callers (tool calls), not by the network.
class watcher {
 public:
  watcher(std::shared_ptr<process> proc, launched_child child, spawn_request req, mono_clock::time_point start,
          bool sandboxed)
      : proc_(std::move(proc)), child_(std::move(child)), req_(std::move(req)), start_(start) {
    result_.sandboxed = sandboxed;
    out_.fd = std::move(child_.stdout_r);
    err_.fd = std::move(child_.stderr_r);
    if (req_.has_stdin) stdin_left_ = req_.stdin_data;
    if (stdin_left_.empty()) child_.stdin_w.reset();  // EOF at once
  }

  void run() {
    // Writing to a pipe whose reader is gone raises SIGPIPE at the writing thread; blocked here,
    // it stays pending on this thread (discarded when it ends) and write() returns EPIPE.
    sigset_t pipe_set;
    ::sigemptyset(&pipe_set);
    ::sigaddset(&pipe_set, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);

    if (req_.timeout_ms > 0) deadline_ = start_ + milliseconds(req_.timeout_ms);
    while (out_.fd || err_.fd || !leader_exited_) step();

    child_.stdin_w.reset();
    // Members that closed their output but still run (`sleep 100 >/dev/null &`) must not outlive
    // the call. The leader is an unreaped zombie here, so its pid — the group id — cannot have
    // been reused: this kill cannot hit a stranger.
    ::kill(-child_.pid, SIGKILL);
    int wstatus = 0;
    while (::waitpid(child_.pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    finish(wstatus);
  }

 private:
  void step() {
    mono_clock::time_point now = mono_clock::now();
    if (proc_->cancel_requested() && !group_killed_) {
      if (!leader_exited_) result_.cancelled = true;  // a finished leader keeps its real status
      kill_group(now);
    }
    if (deadline_ && !leader_exited_ && !group_killed_ && now >= *deadline_) {
      result_.timed_out = true;
      kill_group(now);
    }
    if (pipe_deadline_ && now >= *pipe_deadline_) {
      if (!group_killed_) {
        kill_group(now);
      } else {
        out_.fd.reset();  // abandoned: see k_drain_limit
        err_.fd.reset();
        return;
      }
    }

    pollfd fds[5];
    nfds_t n = 0;
    auto add = [&](int fd, short events) -> pollfd * {
      if (fd < 0) return nullptr;
      fds[n] = pollfd{fd, events, 0};
      return &fds[n++];
    };
    pollfd *out = add(out_.fd.get(), POLLIN);
    pollfd *err = add(err_.fd.get(), POLLIN);
    pollfd *in = add(child_.stdin_w.get(), POLLOUT);
    pollfd *exited = leader_exited_ ? nullptr : add(child_.pidfd.get(), POLLIN);
    add(proc_->wake_fd(), POLLIN);

    if (::poll(fds, n, poll_timeout(now)) < 0) return;  // EINTR: just go round again

    if (out && out->revents) read_stream(out_);
    if (err && err->revents) read_stream(err_);
    if (in && in->revents) write_stdin();
    if (exited && exited->revents) on_leader_exit();
    if (fds[n - 1].revents) {
      uint64_t count;
      (void)!::read(proc_->wake_fd(), &count, sizeof count);  // reset; the flag is checked above
    }
  }

  int poll_timeout(mono_clock::time_point now) const {
    std::optional<mono_clock::time_point> next = pipe_deadline_;
    if (deadline_ && !leader_exited_ && !group_killed_) next = next ? std::min(*next, *deadline_) : *deadline_;
    if (!next) return -1;
    auto ms = std::chrono::ceil<milliseconds>(*next - now).count();
    return static_cast<int>(std::clamp<int64_t>(ms, 0, 60000));
  }

  void kill_group(mono_clock::time_point now) {
    ::kill(-child_.pid, SIGKILL);
    group_killed_ = true;
    if (leader_exited_) pipe_deadline_ = now + k_drain_limit;
  }

  void on_leader_exit() {
    leader_exited_ = true;
    // Only the leader's exit is watched; pipes still open belong to background members.
    pipe_deadline_ = mono_clock::now() + (group_killed_ ? k_drain_limit : k_exit_grace);
  }

  void read_stream(stream &s) {
    char buf[k_read_chunk];
    ssize_t n = ::read(s.fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) return;
      s.fd.reset();
      return;
    }
    if (n == 0) {
      s.fd.reset();
      return;
    }
    // Keep counting and draining past the cap, so the child never blocks on a full pipe.
    s.bytes += static_cast<uint64_t>(n);
    uint64_t room = req_.max_output - std::min(req_.max_output, s.delivered);
    size_t give = static_cast<size_t>(std::min<uint64_t>(room, static_cast<uint64_t>(n)));
    if (give < static_cast<size_t>(n)) s.truncated = true;
    if (give == 0) return;
    s.delivered += give;
    if (req_.on_output) {
      try {
        req_.on_output(s.id, std::string_view(buf, give));
      } catch (...) {
        // A throwing callback must not take down the watcher (and leak the child).
      }
    }
  }

  void write_stdin() {
    ssize_t n = ::write(child_.stdin_w.get(), stdin_left_.data(), std::min(stdin_left_.size(), k_read_chunk));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) return;
      child_.stdin_w.reset();  // EPIPE: nobody reads stdin any more; that is the child's choice
      return;
    }
    stdin_left_.remove_prefix(static_cast<size_t>(n));
    if (stdin_left_.empty()) child_.stdin_w.reset();
  }

  void finish(int wstatus) {
    result_.stdout_bytes = out_.bytes;
    result_.stderr_bytes = err_.bytes;
    result_.stdout_truncated = out_.truncated;
    result_.stderr_truncated = err_.truncated;
    if (result_.timed_out || result_.cancelled) {
      result_.exit_code = -1;
      result_.term_signal = SIGKILL;
    } else if (WIFEXITED(wstatus)) {
      result_.exit_code = WEXITSTATUS(wstatus);
    } else if (WIFSIGNALED(wstatus)) {
      result_.exit_code = -1;
      result_.term_signal = WTERMSIG(wstatus);
    }
    result_.duration_ms = std::chrono::duration_cast<milliseconds>(mono_clock::now() - start_).count();
    if (req_.on_exit) {
      try {
        req_.on_exit(result_);
      } catch (...) {
      }
    }
  }

  std::shared_ptr<process> proc_;
  launched_child child_;
  spawn_request req_;
  mono_clock::time_point start_;
  spawn_result result_;
  stream out_{1};
  stream err_{2};
  std::string_view stdin_left_;                          // into req_.stdin_data
  std::optional<mono_clock::time_point> deadline_;       // the request's timeout
  std::optional<mono_clock::time_point> pipe_deadline_;  // grace or drain limit after leader exit
  bool leader_exited_ = false;
  bool group_killed_ = false;
};

}  // namespace

struct process_supervisor::impl {
  std::unique_ptr<child_ledger> ledger;  // set before the first spawn, then only read
  mutable std::mutex mu;
  std::condition_variable idle;
  bool stopping = false;
  std::map<process *, std::pair<std::shared_ptr<process>, std::thread>> live;
  std::vector<std::thread> done;  // watchers that finished, joined by the next spawn/shutdown

  void join_done() {
    std::vector<std::thread> finished;
    {
      std::lock_guard lock(mu);
      finished.swap(done);
    }
    for (std::thread &t : finished) t.join();
  }

  // Called by a watcher as its very last step.
  void retire(process *p) {
    std::lock_guard lock(mu);
    auto it = live.find(p);
    done.push_back(std::move(it->second.second));
    live.erase(it);
    if (live.empty()) idle.notify_all();
  }
};

process_supervisor::process_supervisor() : impl_(std::make_unique<impl>()) {}

process_supervisor::~process_supervisor() { shutdown(); }

result<std::shared_ptr<process>> process_supervisor::spawn(spawn_request req) {
  impl_->join_done();
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) return unavailable("shutting down: no new processes");
  }
  mono_clock::time_point start = mono_clock::now();

  // Fail closed: if the mode's ruleset cannot be built, nothing runs.
  auto rules = build_ruleset(req.profile);
  if (!rules) return rules.error();
  if (req.profile.require_kernel_sandbox && !rules->active())
    return failed_precondition("this child may run only inside the kernel's sandbox, and Landlock is not available");
  // Every child gets no_new_privs, bypass included (the foundation issue's rule: no setuid
  // escalation from a tool call in any mode; an operator who needs sudo runs it outside the daemon).
  // Landlock applies only where the mode has a ruleset (not in bypass).
  bool confine = true;

  unique_fd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return internal_error("cannot create eventfd: " + std::string(std::strerror(errno)));

  auto child = launch_child(req, *rules, confine);
  if (!child) return child.error();
  pid_t pid = child->pid;

  if (impl_->ledger) impl_->ledger->record(pid);
  auto proc = std::make_shared<process>(std::move(wake));
  auto w = std::make_unique<watcher>(proc, std::move(*child), std::move(req), start, confine && rules->active());
  std::lock_guard lock(impl_->mu);  // held until the thread is registered: retire() needs it
  if (impl_->stopping) {
    // shutdown() began while we launched: run the watcher anyway so the group is killed and
    // on_exit is still called exactly once.
    proc->request_cancel();
  }
  try {
    std::thread t([this, w = std::move(w), p = proc.get(), pid] {
      w->run();
      if (impl_->ledger) impl_->ledger->forget(pid);  // the group is gone
      impl_->retire(p);
    });
    impl_->live.emplace(proc.get(), std::pair{proc, std::move(t)});
  } catch (const std::system_error &e) {
    ::kill(-pid, SIGKILL);
    if (impl_->ledger) impl_->ledger->forget(pid);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return internal_error(std::string("cannot start a watcher thread: ") + e.what());
  }
  return proc;
}

void process_supervisor::record_children_in(const std::filesystem::path &dir) {
  impl_->ledger = std::make_unique<child_ledger>(dir);
}

void process_supervisor::cancel(const std::shared_ptr<process> &p) {
  if (p) p->request_cancel();
}

void process_supervisor::shutdown() {
  std::unique_lock lock(impl_->mu);
  impl_->stopping = true;
  for (auto &[key, entry] : impl_->live) entry.first->request_cancel();
  impl_->idle.wait(lock, [&] { return impl_->live.empty(); });
  lock.unlock();
  impl_->join_done();
}

size_t process_supervisor::running() const {
  std::lock_guard lock(impl_->mu);
  return impl_->live.size();
}

}  // namespace ra::sandbox
