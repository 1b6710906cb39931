// sandbox/test_support.hpp — helpers shared by the sandbox tests: temp dirs, running a command to
// completion, checking that a process is gone. Test-only; never linked into the daemon.
// Thread safety: each helper is self-contained; a temp_dir belongs to one test.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>

#include "sandbox/spawn.hpp"

namespace ra::sandbox::testing {

// A fresh directory from mkdtemp, removed with everything in it at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    const char *base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/ra-sandbox-test.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = std::filesystem::canonical(pattern).string();
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir &) = delete;
  temp_dir &operator=(const temp_dir &) = delete;

  const std::string &path() const { return path_; }
  std::string operator/(const std::string &rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline void write_text(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string read_text(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct run_output {
  bool started = false;
  status error;  // why spawn failed, when !started
  spawn_result result;
  std::string out;
  std::string err;
};

// Starts `req` and waits (bounded) for on_exit; output is collected per stream.
inline run_output run(process_supervisor &sup, spawn_request req,
                      std::chrono::seconds limit = std::chrono::seconds(60)) {
  struct shared {
    std::string out, err;
    std::promise<spawn_result> done;
  };
  auto state = std::make_shared<shared>();
  std::future<spawn_result> done = state->done.get_future();
  req.on_output = [state](int stream, std::string_view data) { (stream == 1 ? state->out : state->err).append(data); };
  req.on_exit = [state](const spawn_result &r) { state->done.set_value(r); };
  run_output o;
  auto p = sup.spawn(std::move(req));
  if (!p) {
    o.error = p.error();
    return o;
  }
  o.started = true;
  if (done.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "child did not finish within " << limit.count() << " s";
    process_supervisor::cancel(*p);
  }
  o.result = done.get();  // on_exit has run: the strings are complete
  o.out = state->out;
  o.err = state->err;
  return o;
}

inline spawn_request shell(const std::string &command, policy::mode mode = policy::mode::plan) {
  spawn_request req;
  req.argv = {"/bin/sh", "-c", command};
  req.profile.mode = mode;
  return req;
}

// True once the process `pid` has terminated (or no longer exists), waiting at most `limit`.
inline bool process_gone(pid_t pid, std::chrono::milliseconds limit) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(limit.count()));
  ::close(fd);
  return r == 1;
}

}  // namespace ra::sandbox::testing
