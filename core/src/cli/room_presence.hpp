// cli/room_presence.hpp — a daemon process's presence in its room, shared by `run` and `mcp`:
// join as an executor (peers' calls take this host's normal dispatch path), attach the node to
// the runtime's router and list_agents, and watch this host's mode so the room hears of changes
// made by any process (`remote-agents mode`, set_mode). Without a room token it does nothing.
// Thread safety: start and stop on the main thread; the watcher is an own thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "peer/node.hpp"
#include "runtime/runtime.hpp"
#include "util/status.hpp"

namespace ra::cli {

class room_presence {
 public:
  // `announce_joined`: print "joined <peer id>" on stdout once the relay accepted us (for `run`,
  // whose stdout scripts read; `mcp` owns stdout for the protocol and logs it instead).
  static result<std::unique_ptr<room_presence>> start(runtime &rt, bool announce_joined);
  ~room_presence();
  peer::node *node() const { return node_.get(); }
  // Detaches from the router, says bye to the relay, joins the watcher. Idempotent.
  void stop();

 private:
  room_presence(runtime &rt) : rt_(rt) {}
  void watch_loop(bool announce_joined);

  runtime &rt_;
  std::unique_ptr<peer::node> node_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace ra::cli
