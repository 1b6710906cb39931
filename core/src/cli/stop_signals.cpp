#include "cli/stop_signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <unistd.h>

namespace ra::cli {
namespace {
// A private real-time signal wakes the watcher when the verb is done, so stop() returns at once
// instead of after a polling tick (that tick showed up as ~100 ms on every `call`).
int wake_signal() { return SIGRTMIN + 3; }

sigset_t stop_set() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  return s;
}

sigset_t watched_set() {
  sigset_t s = stop_set();
  sigaddset(&s, wake_signal());
  return s;
}
}  // namespace

stop_signals::stop_signals() {
  sigset_t s = watched_set();
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
}

stop_signals::~stop_signals() { stop(); }

void stop_signals::stop() {
  done_ = true;
  if (watcher_.joinable()) {
    pthread_kill(watcher_.native_handle(), wake_signal());
    watcher_.join();
  }
}

void stop_signals::watch(std::function<void(int)> on_stop) {
  watcher_ = std::thread([this, on_stop = std::move(on_stop)] {
    sigset_t s = watched_set();
    bool stopping = false;
    while (!done_.load()) {
      int sig = 0;
      if (sigwait(&s, &sig) != 0 || sig == wake_signal()) continue;
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
