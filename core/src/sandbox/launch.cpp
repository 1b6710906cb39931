#include "sandbox/launch.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

extern char **environ;  // NOLINT: POSIX

namespace ra::sandbox {
namespace {

// Which step of the child failed; sent with the errno over the report pipe.
enum child_stage : int { stage_setup = 1, stage_chdir, stage_sandbox, stage_exec };

struct child_report {
  int stage;
  int err;
};

// Everything the child needs, prepared before fork so the child never allocates.
struct child_plan {
  const char *path;
  char *const *argv;
  char *const *envp;
  const char *cwd;  // nullptr: inherit
  int stdio[3];     // all >= 3, so dup2 onto 0..2 cannot clobber one another
  int report_fd;    // close-on-exec: EOF on the other end means exec succeeded
  bool confine;
  int ruleset_fd;
};

[[noreturn]] void report_and_exit(int report_fd, int stage, int err) noexcept {
  child_report r{stage, err};
  while (::write(report_fd, &r, sizeof r) < 0 && errno == EINTR) {
  }
  ::_exit(127);
}

// Runs in the forked child of a multi-threaded parent: async-signal-safe calls only.
[[noreturn]] void run_child(const child_plan &p) noexcept {
  // Own process group, so timeout/cancel can kill the whole tree with kill(-pgid).
  if (::setpgid(0, 0) != 0) report_and_exit(p.report_fd, stage_setup, errno);

  // Ignored signals survive exec (a daemon ignoring SIGPIPE would break `yes | head`), and the
  // parent blocked everything around fork: give the program a clean slate.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);  // EINVAL for libc's own
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  for (int i = 0; i < 3; ++i) {
    if (::dup2(p.stdio[i], i) < 0) report_and_exit(p.report_fd, stage_setup, errno);
  }
  if (p.cwd != nullptr && ::chdir(p.cwd) != 0) report_and_exit(p.report_fd, stage_chdir, errno);
  if (p.confine) {
    if (int err = apply_in_child(p.ruleset_fd); err != 0) report_and_exit(p.report_fd, stage_sandbox, err);
  }
  // Nothing else the daemon holds (sockets, key files, other children's pipes, fds another
  // thread opened without O_CLOEXEC) may reach the program. Fail closed if this cannot be done.
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) report_and_exit(p.report_fd, stage_setup, errno);
  ::execve(p.path, p.argv, p.envp);
  report_and_exit(p.report_fd, stage_exec, errno);
}

status errno_status(int err, std::string message) {
  message += ": ";
  message += std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return not_found(std::move(message));
    case EACCES:
    case EPERM:
      return permission_denied(std::move(message));
    default:
      return internal_error(std::move(message));
  }
}

std::string_view env_key(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// The inherited environment with `extra` entries added, replacing same-named keys (the last of
// duplicate extra keys wins).
result<std::vector<std::string>> build_env(const std::vector<std::string> &extra) {
  for (const std::string &e : extra) {
    if (e.empty() || e.front() == '=' || e.find('=') == std::string::npos)
      return invalid_argument("environment entry must be KEY=VALUE: '" + e + "'");
  }
  auto overridden = [&](std::string_view key, size_t from) {
    for (size_t i = from; i < extra.size(); ++i) {
      if (env_key(extra[i]) == key) return true;
    }
    return false;
  };
  std::vector<std::string> env;
  for (char **e = environ; e != nullptr && *e != nullptr; ++e) {
    if (!overridden(env_key(*e), 0)) env.emplace_back(*e);
  }
  for (size_t i = 0; i < extra.size(); ++i) {
    if (!overridden(env_key(extra[i]), i + 1)) env.push_back(extra[i]);
  }
  return env;
}

std::string search_path(const std::vector<std::string> &env) {
  for (const std::string &e : env) {
    if (e.compare(0, 5, "PATH=") == 0) return e.substr(5);
  }
  return "/usr/local/bin:/usr/bin:/bin";
}

// execvp's lookup, done in the parent because it allocates. Relative PATH entries (and the empty
// entry meaning ".") are skipped on purpose: they would run whatever lies in the child's cwd.
result<std::string> resolve_program(const std::string &name, const std::string &path) {
  if (name.find('/') != std::string::npos) return name;
  int err = ENOENT;
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(begin, end - begin);
    begin = end + 1;
    if (dir.empty() || dir[0] != '/') continue;
    std::string candidate = dir + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    err = EACCES;  // like execvp: remember, keep looking
  }
  return errno_status(err, "cannot start " + name);
}

// Keeps a pipe end clear of 0..2 (the daemon may run with its stdio closed).
status lift_fd(unique_fd &fd) {
  if (fd.get() >= 3) return status::ok();
  int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return errno_status(errno, "cannot duplicate a descriptor");
  fd.reset(moved);
  return status::ok();
}

status make_pipe(unique_fd &read_end, unique_fd &write_end) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return errno_status(errno, "cannot create a pipe");
  read_end.reset(p[0]);
  write_end.reset(p[1]);
  if (status s = lift_fd(read_end); !s) return s;
  return lift_fd(write_end);
}

status set_nonblocking(const unique_fd &fd) {
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0)
    return errno_status(errno, "cannot make a pipe non-blocking");
  return status::ok();
}

void reap(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

std::vector<char *> pointers(const std::vector<std::string> &strings) {
  std::vector<char *> out;
  out.reserve(strings.size() + 1);
  for (const std::string &s : strings) out.push_back(const_cast<char *>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

result<launched_child> launch_child(const spawn_request &req, const ruleset &rules, bool confine) {
  if (req.argv.empty() || req.argv[0].empty()) return invalid_argument("empty command");
  const std::string &name = req.argv[0];
  auto env = build_env(req.extra_env);
  if (!env) return env.error();
  auto program = resolve_program(name, search_path(*env));
  if (!program) return program.error();
  std::vector<char *> argv = pointers(req.argv);
  std::vector<char *> envp = pointers(*env);

  unique_fd in_r, in_w, out_r, out_w, err_r, err_w, report_r, report_w;
  if (req.has_stdin) {
    if (status s = make_pipe(in_r, in_w); !s) return s;
  } else {
    // Never the daemon's own stdin (for `remote-agents mcp` that is the JSON-RPC stream).
    in_r.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!in_r) return errno_status(errno, "cannot open /dev/null");
    if (status s = lift_fd(in_r); !s) return s;
  }
  for (auto [r, w] : {std::pair{&out_r, &out_w}, {&err_r, &err_w}, {&report_r, &report_w}}) {
    if (status s = make_pipe(*r, *w); !s) return s;
  }

  child_plan plan{program->c_str(),
                  argv.data(),
                  envp.data(),
                  req.cwd.empty() ? nullptr : req.cwd.c_str(),
                  {in_r.get(), out_w.get(), err_w.get()},
                  report_w.get(),
                  confine,
                  rules.fd()};

  // fork(), not vfork/clone(CLONE_VM): a CLONE_VM child shares the parent's memory and stack, so
  // its sigaction/errno writes (and sanitizer bookkeeping) could corrupt a multi-threaded parent.
  // Copying the page tables of this small daemon costs well under the ~4 ms an exec costs anyway.
  // All signals stay blocked across fork so no parent handler can run in the child before it
  // resets the dispositions.
  sigset_t all, saved;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &saved);
  pid_t pid = ::fork();
  if (pid == 0) run_child(plan);
  int fork_err = errno;
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (pid < 0) return errno_status(fork_err, "cannot start " + name);

  // Also from the parent, so the group surely exists before anyone signals it (the child may not
  // have run yet). Fails harmlessly with EACCES once the child has exec'd.
  ::setpgid(pid, pid);
  in_r.reset();
  out_w.reset();
  err_w.reset();
  report_w.reset();

  child_report report{};
  ssize_t n;
  do {
    n = ::read(report_r.get(), &report, sizeof report);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    reap(pid);
    switch (report.stage) {
      case stage_chdir:
        return errno_status(report.err, "cannot chdir to " + req.cwd);
      case stage_sandbox:
        return errno_status(report.err, "cannot sandbox " + name);
      case stage_setup:
        return errno_status(report.err, "cannot set up " + name);
      default:
        return errno_status(report.err, "cannot start " + name);
    }
  }

  // The pid cannot be reused before we reap it, so opening the pidfd after fork is race-free —
  // as long as nothing else in the daemon reaps children (no SIGCHLD = SIG_IGN, no wait(-1)).
  launched_child child;
  child.pid = pid;
  child.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!child.pidfd) {
    int err = errno;
    ::kill(-pid, SIGKILL);
    reap(pid);
    return errno_status(err, "cannot watch " + name);
  }
  child.stdout_r = std::move(out_r);
  child.stderr_r = std::move(err_r);
  child.stdin_w = std::move(in_w);
  for (const unique_fd *fd : {&child.stdout_r, &child.stderr_r, &child.stdin_w}) {
    if (!*fd) continue;
    if (status s = set_nonblocking(*fd); !s) {
      ::kill(-pid, SIGKILL);
      reap(pid);
      return s;
    }
  }
  return child;
}

}  // namespace ra::sandbox
