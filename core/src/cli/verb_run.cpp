// verb_run.cpp — `run` (the daemon's foreground loop) and `mode` (the operator's local switch).
#include <spdlog/spdlog.h>

#include <cstdio>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "cli/cli.hpp"
#include "cli/relay_join.hpp"
#include "cli/stop_signals.hpp"
#include "policy/mode_store.hpp"
#include "runtime/runtime.hpp"

namespace ra::cli {
namespace {

// Peers' calls run through this host's dispatcher: schema, policy gate, sandbox, timeouts — the
// same path as a local call. The caller is "peer:<name>", so set_mode applies its remote rules.
join_options serve_peers(runtime &rt) {
  join_options o;
  if (rt.cfg().accepts_commands)
    o.execute = [&rt](peer::incoming_call c, std::function<void(dispatch::outcome)> done) {
      dispatch::request req;
      req.tool = std::move(c.tool);
      req.args_json = std::move(c.args_json);
      req.caller = std::move(c.caller);
      req.timeout_ms = c.timeout_ms;
      req.on_partial = std::move(c.on_partial);
      return rt.dispatcher().call(std::move(req), std::move(done));
    };  // --no-agent: none, and peers' requests are answered "send-only"
  o.self_info = [&rt] {
    peer::info_msg m;
    m.info_json = host_info_json(rt);
    m.tools_json = tool_descriptors_json(rt);
    return m;
  };
  return o;
}

}  // namespace

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

  std::unique_ptr<peer::node> node;
  // The watcher thread: prints "joined", then notices mode changes made by another process (the
  // operator's `remote-agents mode …` writes the machine-wide mode file) and re-announces our info.
  std::mutex watch_mu;
  std::condition_variable watch_cv;
  bool stopping = false;
  std::thread watcher;
  if (wants_relay(r.cfg())) {
    auto joined = join_room(r.cfg(), r.agent_id(), serve_peers(r));
    if (!joined) {
      std::fprintf(stderr, "remote-agents: %s\n", joined.error().message().c_str());
      r.shutdown();
      return exit_usage;
    }
    node = std::move(*joined);
    peer::node *n = node.get();
    r.set_peer_hooks({[n] { return peers_json(n->peers(), false); }, [n] { n->announce(); }});
    // "joined <peer id>" on stdout once the relay accepted us: scripts wait for it. The daemon
    // itself never waits: a relay that is down at start is dialled again and again.
    watcher = std::thread([n, &r, &watch_mu, &watch_cv, &stopping] {
      std::unique_lock lock(watch_mu);
      bool announced_join = false;
      policy::mode last = r.current_mode();
      while (!watch_cv.wait_for(lock, std::chrono::milliseconds(250), [&] { return stopping; })) {
        if (!announced_join && n->joined()) {
          std::printf("joined %s\n", n->self_id().c_str());
          std::fflush(stdout);
          announced_join = true;
        }
        policy::mode now = r.current_mode();
        if (now != last) {
          spdlog::info("mode changed to {}: telling the room", policy::mode_name(now));
          n->announce();
          last = now;
        }
      }
    });
  } else {
    spdlog::info("no room token: not joining a relay (local calls only)");
  }

  int sig = signals.wait();
  spdlog::info("signal {}: shutting down", sig);
  {
    std::lock_guard lock(watch_mu);
    stopping = true;
  }
  watch_cv.notify_all();
  if (watcher.joinable()) watcher.join();
  r.dispatcher().stop_accepting();
  if (node) node->stop();
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
