// cli/stop_signals.hpp — SIGINT/SIGTERM handling for verbs that run work: the signals are blocked
// in every thread (create this before any thread starts) and a watcher thread runs `on_stop` when
// one arrives, so a stopped CLI cancels its calls and their process groups instead of orphaning
// them.
// Thread safety: construct and destroy on the main thread; on_stop runs on the watcher thread.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace ra::cli {

class stop_signals {
 public:
  stop_signals();
  ~stop_signals();
  // Starts watching; on_stop runs on the first signal, a second one exits the process at once.
  void watch(std::function<void(int signal)> on_stop);
  // Ends the watcher (joins it); on_stop is not called after this returns.
  void stop();
  // Blocks until a stop signal arrives (for `run`).
  int wait();

 private:
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

}  // namespace ra::cli
