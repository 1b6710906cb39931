// verb_run.cpp — `run` (the daemon's foreground loop) and `mode` (the operator's local switch).
#include <spdlog/spdlog.h>

#include <cstdio>

#include "cli/cli.hpp"
#include "cli/room_presence.hpp"
#include "cli/stop_signals.hpp"
#include "policy/mode_store.hpp"
#include "runtime/runtime.hpp"

namespace ra::cli {

int verb_run(const parsed_args &args) {
  auto cfg = effective_config(args);
  if (!cfg) return exit_usage;
  // Blocked before any thread starts, so every thread inherits the mask and the main thread alone
  // receives the signals.
  stop_signals signals;

  auto rt = runtime::start(std::move(*cfg), runtime_options{});
  if (!rt) {
    std::fprintf(stderr, "remote-agents: %s\n", rt.error().message().c_str());
    return exit_usage;
  }
  auto &r = **rt;
  spdlog::info("ready: agent {} ('{}'), mode {}, {} plugin(s), {} tool(s)", r.agent_id(), r.cfg().name,
               policy::mode_name(r.modes().current()), r.plugins().plugins().size(), r.tools().all().size());
  // Print one line on stdout too, so scripts can wait for readiness without parsing logs.
  std::printf("ready %s\n", r.agent_id().c_str());
  std::fflush(stdout);

  auto presence = room_presence::start(r, /*announce_joined=*/true);
  if (!presence) {
    std::fprintf(stderr, "remote-agents: %s\n", presence.error().message().c_str());
    r.shutdown();
    return exit_usage;
  }

  int sig = signals.wait();
  spdlog::info("signal {}: shutting down", sig);
  // Calls and plugins end while the room link is still up: peers get the cancelled replies and the
  // events sent on the way out (task.finished for a task the stop failed); then leave the room.
  r.quiesce();
  (*presence)->stop();
  r.shutdown();
  return exit_ok;
}

int verb_mode(const parsed_args &args) {
  auto cfg = effective_config(args);
  if (!cfg) return exit_usage;
  policy::mode_store store(config::data_dir(), cfg->security.mode);
  if (args.positional.empty()) {
    std::printf("%s\n", std::string(policy::mode_name(store.current())).c_str());
    return exit_ok;
  }
  auto m = policy::parse_mode(args.positional[0]);
  if (!m || args.positional.size() > 1) {
    std::fprintf(stderr, "usage: remote-agents mode [plan|edit|bypass|disabled]\n");
    return exit_usage;
  }
  if (auto st = store.set(*m); !st) {
    std::fprintf(stderr, "remote-agents: %s\n", st.message().c_str());
    return exit_failed;
  }
  std::printf("mode set to %s (%s)\n", std::string(policy::mode_name(*m)).c_str(), store.file().c_str());
  return exit_ok;
}

}  // namespace ra::cli
