// remote-agents-relay: the relay server (README.md, PROTOCOL.md). Parses the flags, sets up
// logging to stderr (stdout carries only the "listening on" line), and runs the server.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "server.hpp"

#ifndef RA_RELAY_VERSION
#define RA_RELAY_VERSION "unknown"
#endif

namespace {

// Every connection is a descriptor; the default soft limit (often 1024) is far below what the
// relay is meant to hold, and raising it up to the hard limit needs no privilege.
void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// The token was on the command line: blank it in argv so /proc/<pid>/cmdline and ps no longer
// show it (it was visible until now; --token-file avoids that window entirely).
void scrub_token(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--token") == 0 && i + 1 < argc) {
      std::memset(argv[i + 1], 'x', std::strlen(argv[i + 1]));
    } else if (std::strncmp(argv[i], "--token=", 8) == 0) {
      std::memset(argv[i] + 8, 'x', std::strlen(argv[i] + 8));
    }
  }
}

}  // namespace

int main(int argc, char **argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto parsed = ra::relay::parse_args(args);
  if (!parsed) {
    std::cerr << "remote-agents-relay: " << parsed.error().message() << "\n";
    return 2;
  }
  if (parsed->action == ra::relay::cli_action::help) {
    std::cout << ra::relay::usage();
    return 0;
  }
  if (parsed->action == ra::relay::cli_action::version) {
    std::cout << "remote-agents-relay " << RA_RELAY_VERSION << " (relay protocol 1)\n";
    return 0;
  }
  scrub_token(argc, argv);

  auto logger = spdlog::stderr_color_mt("relay");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(parsed->cfg.log_level));

  std::signal(SIGPIPE, SIG_IGN);  // a peer that vanished mid-write is an error code, not a signal
  raise_fd_limit();

  ra::relay::server relay(std::move(parsed->cfg));
  if (auto s = relay.start(); !s) {
    std::cerr << "remote-agents-relay: " << s.message() << "\n";
    return 1;
  }
  relay.run();
  spdlog::info("stopped");
  return 0;
}
