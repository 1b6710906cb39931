#include "plugin_host/event_hub.hpp"

#include <vector>

namespace ra::plugin_host {

void event_hub::remove(const std::shared_ptr<subscriber> &s) {
  std::unique_lock lock(s->mu);
  s->removed = true;
  s->idle.wait(lock, [&] { return s->running == 0; });
}

void event_hub::subscribe(const std::string &key, std::string topic_prefix, event_fn fn) {
  std::shared_ptr<subscriber> old;
  {
    std::lock_guard lock(mu_);
    auto it = subs_.find(key);
    if (it != subs_.end()) {
      old = it->second;
      subs_.erase(it);
    }
    if (fn) {
      auto s = std::make_shared<subscriber>();
      s->prefix = std::move(topic_prefix);
      s->fn = std::move(fn);
      subs_.emplace(key, std::move(s));
    }
  }
  if (old) remove(old);
}

size_t event_hub::deliver(std::string from_json, std::string topic, std::string json) {
  std::vector<std::shared_ptr<subscriber>> matched;
  {
    std::lock_guard lock(mu_);
    for (auto &[key, s] : subs_)
      if (std::string_view(topic).starts_with(s->prefix)) matched.push_back(s);
  }
  if (matched.empty()) return 0;
  auto event = std::make_shared<const std::array<std::string, 3>>(
      std::array<std::string, 3>{std::move(from_json), std::move(topic), std::move(json)});
  size_t queued = 0;
  for (auto &s : matched) {
    bool ok = post_([s, event] {
      {
        std::lock_guard lock(s->mu);
        if (s->removed) return;
        ++s->running;
      }
      s->fn((*event)[0], (*event)[1], (*event)[2]);
      std::lock_guard lock(s->mu);
      if (--s->running == 0) s->idle.notify_all();
    });
    if (ok) ++queued;
  }
  return queued;
}

}  // namespace ra::plugin_host
