#include "relay_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

extern char **environ;

namespace ra::relay::test {

namespace {

bool has_flag(const std::vector<std::string> &args, const std::string &flag) {
  return std::ranges::any_of(args, [&](const std::string &a) { return a == flag || a.starts_with(flag + "="); });
}

// Reads from `fd` until a newline or the deadline.
bool read_line(int fd, std::string &line, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char c = 0;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = ::read(fd, &c, 1);
    if (n <= 0) return false;
    if (c == '\n') return true;
    line.push_back(c);
  }
}

}  // namespace

std::string relay_binary() {
  const char *bin = std::getenv("RA_RELAY_BIN");
  return bin ? bin : "";
}

std::unique_ptr<relay_process> relay_process::start(std::vector<std::string> args, std::string *error) {
  auto fail = [&](std::string why) -> std::unique_ptr<relay_process> {
    if (error) *error = std::move(why);
    return nullptr;
  };
  const std::string bin = relay_binary();
  if (bin.empty()) return fail("RA_RELAY_BIN is not set");
  if (!has_flag(args, "--bind")) args.insert(args.begin(), {"--bind", "127.0.0.1:0"});
  if (!has_flag(args, "--log-level")) args.insert(args.begin(), {"--log-level", "warn"});
  args.insert(args.begin(), bin);
  std::vector<char *> argv;
  for (auto &a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::unique_ptr<relay_process> p(new relay_process());
  const int rc = posix_spawn(&p->pid_, bin.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  p->out_fd_ = fds[0];
  if (rc != 0) return fail(std::string("cannot start ") + bin + ": " + std::strerror(rc));
  if (!read_line(p->out_fd_, p->line_, std::chrono::seconds(10))) return fail("no listening line from the relay");
  const auto colon = p->line_.rfind(':');
  if (!p->line_.starts_with("listening on ") || colon == std::string::npos) return fail("odd line: " + p->line_);
  p->port_ = static_cast<uint16_t>(std::stoi(p->line_.substr(colon + 1)));
  return p;
}

relay_process::~relay_process() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    int st = 0;
    waitpid(pid_, &st, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
}

bool relay_process::signal(int signo) const { return kill(pid_, signo) == 0; }

std::optional<int> relay_process::stop(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  signal(SIGTERM);
  return wait_exit(timeout);
}

std::chrono::milliseconds relay_process::cpu_time() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  const long ticks = sysconf(_SC_CLK_TCK);
  return std::chrono::milliseconds((utime + stime) * 1000 / static_cast<unsigned long long>(ticks));
}

std::optional<int> relay_process::wait_exit(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  // The child's stdout closes when it exits (nothing else holds the pipe's write end).
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char sink[256];
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    if (::read(out_fd_, sink, sizeof sink) <= 0) break;  // EOF: the process is gone
  }
  int st = 0;
  if (waitpid(pid_, &st, 0) != pid_) return std::nullopt;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return status_;
}

}  // namespace ra::relay::test
