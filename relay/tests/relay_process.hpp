// relay/tests/relay_process.hpp — the real remote-agents-relay binary (path in $RA_RELAY_BIN) as a
// child process on 127.0.0.1:0: its "listening on" line gives the port. Destroying the object
// kills the process if it is still running (tests
// call stop() instead, which checks the graceful shutdown too).
// Thread safety: one owner thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ra::relay::test {

class relay_process {
 public:
  // Adds --bind 127.0.0.1:0 and --log-level warn unless `args` has them. Null, with `error`, if
  // the binary is missing or prints no listening line within 10 s.
  static std::unique_ptr<relay_process> start(std::vector<std::string> args, std::string *error = nullptr);
  ~relay_process();

  uint16_t port() const { return port_; }
  const std::string &listening_line() const { return line_; }
  pid_t pid() const { return pid_; }
  bool signal(int signo) const;
  // SIGTERM, then the exit status (nullopt if it took longer than `timeout`; it is killed then).
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // User plus system CPU time the process has used so far, from /proc.
  std::chrono::milliseconds cpu_time() const;
  // The exit status (or 128 + signal), or nullopt if still running after `timeout`. Waits on the
  // child's stdout closing, not by polling.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

 private:
  relay_process() = default;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  uint16_t port_ = 0;
  std::string line_;
  std::optional<int> status_;
};

// $RA_RELAY_BIN, or empty.
std::string relay_binary();

}  // namespace ra::relay::test
