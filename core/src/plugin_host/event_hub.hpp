// plugin_host/event_hub.hpp — hands the events this process receives (host->send_event from a peer,
// or from a plugin of this process to "local") to the plugins that subscribed (host->subscribe,
// abi.md R66–R67). One subscription per plugin, matched by topic prefix; each delivery runs on a
// worker through `post`, so a slow subscriber never holds the node thread.
//
// Removal waits for deliveries already running in that subscriber: once subscribe(key, "", {})
// returned, its callback is not running and will not run again — which is what lets the loader
// promise "no events after stop()". A subscriber must not remove itself from inside its callback.
// Thread safety: every member may be called from any thread.
#pragma once

#include <array>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace ra::plugin_host {

class event_hub {
 public:
  using event_fn = std::function<void(std::string_view from_json, std::string_view topic, std::string_view json)>;
  using post_fn = std::function<bool(std::function<void()>)>;

  explicit event_hub(post_fn post) : post_(std::move(post)) {}

  // Replaces `key`'s subscription; an empty fn removes it (and waits, see above).
  void subscribe(const std::string &key, std::string topic_prefix, event_fn fn);
  // Queues the event for every subscriber whose prefix matches. Returns how many were queued.
  size_t deliver(std::string from_json, std::string topic, std::string json);

 private:
  struct subscriber {
    std::string prefix;
    event_fn fn;
    std::mutex mu;
    std::condition_variable idle;
    int running = 0;
    bool removed = false;
  };
  static void remove(const std::shared_ptr<subscriber> &s);

  post_fn post_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<subscriber>> subs_;
};

}  // namespace ra::plugin_host
