#include "cli/stop_signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <unistd.h>

#include <ctime>

namespace ra::cli {
namespace {
sigset_t stop_set() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  return s;
}
}  // namespace

stop_signals::stop_signals() {
  sigset_t s = stop_set();
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
}

stop_signals::~stop_signals() { stop(); }

void stop_signals::stop() {
  done_ = true;
  if (watcher_.joinable()) watcher_.join();
}

void stop_signals::watch(std::function<void(int)> on_stop) {
  watcher_ = std::thread([this, on_stop = std::move(on_stop)] {
    sigset_t s = stop_set();
    // A short timed wait lets stop() end the watcher without sending itself a signal.
    timespec tick{0, 100 * 1000 * 1000};
    bool stopping = false;
    while (!done_.load()) {
      int sig = sigtimedwait(&s, nullptr, &tick);
      if (sig <= 0) continue;
      if (stopping) _exit(128 + sig);  // a second Ctrl-C: the user means it
      stopping = true;
      on_stop(sig);
    }
  });
}

int stop_signals::wait() {
  sigset_t s = stop_set();
  int sig = 0;
  sigwait(&s, &sig);
  return sig;
}

}  // namespace ra::cli
