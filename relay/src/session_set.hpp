// relay/session_set.hpp — the live connections, so that shutdown can reach those the rooms do not
// know (handshakes in progress, HTTP requests) and can wait until they are all gone.
// Sessions add themselves in their constructor and remove themselves in their destructor.
// Thread safety: none; used from the relay's io_context thread only.
#pragma once

#include <unordered_set>
#include <vector>

namespace ra::relay {

class tracked_session {
 public:
  // The relay is stopping: close soon (a joined WebSocket has already been told by the rooms).
  virtual void on_shutdown() = 0;

 protected:
  ~tracked_session() = default;
};

class session_set {
 public:
  void add(tracked_session *s) { live_.insert(s); }
  void remove(tracked_session *s) { live_.erase(s); }
  size_t size() const { return live_.size(); }
  void shutdown_all() {
    // A copy: a session may finish, and remove itself, while being told.
    std::vector<tracked_session *> all(live_.begin(), live_.end());
    for (auto *s : all) {
      if (live_.count(s)) s->on_shutdown();
    }
  }

 private:
  std::unordered_set<tracked_session *> live_;
};

}  // namespace ra::relay
