// dispatch/router.hpp — routes a frontend's call to this host, to one peer, or to a fleet, and
// keeps the catalogue of who is in the room and which tools each host runs. It implements the
// plugin host's frontend_bridge: the mcp plugin reaches it through the host table's dispatch,
// dispatch_cancel, describe and watch slots (ABI 1.1, sdk/docs/abi.md R60–R63).
//
// Every call still takes the normal path on the host that runs it (schema, policy gate, sandbox):
// locally through the dispatcher, remotely through the peer node and the peer's dispatcher. A
// fleet target includes this host itself when it accepts commands (the reference fanned out to
// the sender too), and every selected host is reported, reachable or not.
//
// Thread safety: all members may be called from any thread. Fleet calls run on threads the router
// owns; shutdown() cancels them and joins them.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dispatch/dispatcher.hpp"
#include "peer/messages.hpp"
#include "plugin_host/event_hub.hpp"
#include "plugin_host/frontend_bridge.hpp"

namespace ra::peer {
class node;
struct peer_record;
}  // namespace ra::peer

namespace ra::dispatch {

struct self_description {
  std::function<std::string()> info_json;   // this host's info object (get_info's shape)
  std::function<std::string()> tools_json;  // its tool descriptors (a JSON array)
  bool accepts_commands = true;             // false with --no-agent: this host runs nothing
  // Runs event deliveries off the caller's thread (the runtime's worker pool).
  std::function<bool(std::function<void()>)> post_work;
};

class router final : public plugin_host::frontend_bridge {
 public:
  router(dispatcher &local, self_description self);
  ~router() override;

  // The peer node to reach other hosts through; nullptr (the default) = this host only. Detach
  // before the node stops.
  void attach(peer::node *node);
  // Tells every watcher that the catalogue changed: "hosts" (a peer came or went, a mode
  // changed) or "tools".
  void notify(std::string_view event);
  // Refuses new calls, cancels the running ones and joins the fleet threads. Idempotent.
  void shutdown();

  result<uint64_t> dispatch(request req, partial_fn on_partial, done_fn done) override;
  void cancel(uint64_t handle) override;
  std::string describe() override;
  void watch(const std::string &key, std::function<void(std::string_view event)> fn) override;
  status send_event(const std::string &to, std::string_view topic, std::string_view json) override;
  void subscribe(const std::string &key, std::string topic_prefix, event_fn fn) override;
  // An event a peer sent us (the node's on_event): named like a dispatch result names hosts.
  void deliver_event(const std::string &from_peer, std::string topic, std::string data_json);

 private:
  struct fleet_job;
  uint64_t add_handle();
  void set_cancel(uint64_t handle, std::function<void()> cancel);
  void finish(uint64_t handle);
  result<uint64_t> call_local(const request &req, partial_fn on_partial, done_fn done);
  result<uint64_t> call_peer(const peer::peer_record &p, const request &req, partial_fn on_partial, done_fn done);
  result<uint64_t> call_fleet(const request &req, partial_fn on_partial, done_fn done);
  peer::peer_record self_record() const;
  void reap_finished_jobs();

  dispatcher &local_;
  self_description self_;
  std::atomic<peer::node *> node_{nullptr};
  std::atomic<bool> accepting_{true};

  std::mutex mu_;
  uint64_t next_handle_ = 1;
  std::map<uint64_t, std::function<void()>> cancels_;  // running calls
  std::map<std::string, std::function<void(std::string_view)>> watchers_;
  std::list<std::shared_ptr<fleet_job>> jobs_;
  plugin_host::event_hub events_;
  std::vector<std::pair<std::string, peer::event_msg>> unattached_events_;  // guarded by mu_
};

}  // namespace ra::dispatch
