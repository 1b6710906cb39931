#include "cli/room_presence.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "cli/relay_join.hpp"

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
      req.reply_to = c.from_peer;  // the sending process: events about this call go back there
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
  o.on_roster_changed = [&rt] { rt.router().notify("hosts"); };
  o.on_event = [&rt](const std::string &from_peer, peer::event_msg e) {
    rt.router().deliver_event(from_peer, std::move(e.topic), std::move(e.data_json));
  };
  return o;
}

}  // namespace

result<std::unique_ptr<room_presence>> room_presence::start(runtime &rt, bool announce_joined) {
  std::unique_ptr<room_presence> p(new room_presence(rt));
  if (!wants_relay(rt.cfg())) {
    spdlog::info("no room token: not joining a relay (local calls only)");
    return p;
  }
  auto joined = join_room(rt.cfg(), rt.agent_id(), serve_peers(rt));
  if (!joined) return joined.error();
  p->node_ = std::move(*joined);
  peer::node *n = p->node_.get();
  rt.router().attach(n);
  rt.set_peer_hooks({[n] { return peer::peers_json(n->peers(), false); },
                     [n, &rt] {
                       n->announce();
                       rt.router().notify("hosts");
                     }});
  p->watcher_ = std::thread([raw = p.get(), announce_joined] { raw->watch_loop(announce_joined); });
  return p;
}

// Announces the join once, and notices mode changes made by another process (the operator's
// `remote-agents mode …` writes the machine-wide mode file): the room hears our new info.
void room_presence::watch_loop(bool announce_joined) {
  std::unique_lock lock(mu_);
  bool said_joined = false;
  policy::mode last = rt_.current_mode();
  while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stopping_; })) {
    if (!said_joined && node_->joined()) {
      if (announce_joined) {
        std::printf("joined %s\n", node_->self_id().c_str());
        std::fflush(stdout);
      }
      spdlog::info("joined the room as {}", node_->self_id());
      said_joined = true;
    }
    policy::mode now = rt_.current_mode();
    if (now != last) {
      spdlog::info("mode changed to {}: telling the room", policy::mode_name(now));
      node_->announce();
      rt_.router().notify("hosts");
      last = now;
    }
  }
}

void room_presence::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  if (node_) {
    rt_.router().attach(nullptr);
    node_->stop();
  }
}

room_presence::~room_presence() { stop(); }

}  // namespace ra::cli
