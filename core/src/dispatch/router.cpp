#include "dispatch/router.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include <condition_variable>

#include "dispatch/fleet.hpp"
#include "dispatch/grouping.hpp"
#include "peer/node.hpp"
#include "util/json.hpp"

namespace ra::dispatch {
namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct host_label {
  std::string agent_id, name, peer_id;
  bool local = false;
};

void write_host(writer &w, const host_label &h) {
  w.Key("host");
  w.StartObject();
  w.Key("agent_id"), w.String(h.agent_id.c_str());
  w.Key("name"), w.String(h.name.c_str());
  w.Key("peer_id");
  if (h.peer_id.empty())
    w.Null();
  else
    w.String(h.peer_id.c_str());
  w.Key("local"), w.Bool(h.local);
  w.EndObject();
}

// The members shared by a single-host result and each host of a fleet result (abi.md R60).
void write_outcome_members(writer &w, const host_label &h, const outcome &o) {
  write_host(w, h);
  w.Key("outcome"), w.String(std::string(outcome_name(o.kind)).c_str());
  w.Key("status"), w.String(ra_status_name(o.status));
  w.Key("result");
  rapidjson::Document d;
  if (o.kind == outcome_kind::ok && json::parse(o.result_json, d) && d.IsObject())
    d.Accept(w);
  else
    w.Null();
  w.Key("message"), w.String(json::to_valid_utf8(o.message).c_str());
  w.Key("duration_ms"), w.Int64(o.duration_ms);
}

std::string single_json(const host_label &h, const outcome &o) {
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  write_outcome_members(w, h, o);
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

host_label label_of(const peer::peer_record &p, bool local) {
  return {p.agent_id, p.name, local ? std::string() : p.peer_id, local};
}

// The sender of an event, as the "host" member of a dispatch result (abi.md R60, R67).
std::string host_object_json(const host_label &h) {
  rapidjson::StringBuffer b;
  writer w(b);
  w.StartObject();
  write_host(w, h);
  w.EndObject();
  rapidjson::Document d;
  d.Parse(b.GetString(), b.GetSize());
  return json::to_string(d["host"]);
}

}  // namespace

// One fleet call in flight: its thread, its stop switch and the local part's cancel.
struct router::fleet_job {
  std::thread thread;
  std::atomic<bool> finished{false};
  std::shared_ptr<fleet_stop> stop = std::make_shared<fleet_stop>();  // the remote part
  std::mutex mu;
  std::function<void()> local_cancel;  // this host's part
  bool cancelled = false;

  void cancel() {
    stop->request();
    std::function<void()> c;
    {
      std::lock_guard lock(mu);
      cancelled = true;
      c = local_cancel;
    }
    if (c) c();
  }
  void set_local_cancel(std::function<void()> c) {
    bool now;
    {
      std::lock_guard lock(mu);
      local_cancel = c;
      now = cancelled;
    }
    if (now && c) c();
  }
};

router::router(dispatcher &local, self_description self)
    : local_(local),
      self_(std::move(self)),
      events_([this](std::function<void()> fn) { return self_.post_work ? self_.post_work(std::move(fn)) : false; }) {}
router::~router() { shutdown(); }

void router::attach(peer::node *node) {
  std::vector<std::pair<std::string, peer::event_msg>> held;
  {
    std::lock_guard lock(mu_);
    node_ = node;
    if (node) held.swap(unattached_events_);
  }
  // Events sent before the room was joined (a plugin's start() after a restart): the node holds
  // them further until their peers are present.
  for (auto &[to, e] : held) (void)node->send_event(to, std::move(e));
}

void router::notify(std::string_view event) {
  std::vector<std::function<void(std::string_view)>> fns;
  {
    std::lock_guard lock(mu_);
    for (auto &[key, fn] : watchers_) fns.push_back(fn);
  }
  for (auto &fn : fns) fn(event);
}

void router::watch(const std::string &key, std::function<void(std::string_view)> fn) {
  std::lock_guard lock(mu_);
  if (fn)
    watchers_[key] = std::move(fn);
  else
    watchers_.erase(key);
}

void router::shutdown() {
  accepting_ = false;
  std::vector<std::function<void()>> cancels;
  std::list<std::shared_ptr<fleet_job>> jobs;
  {
    std::lock_guard lock(mu_);
    for (auto &[h, c] : cancels_) cancels.push_back(c);
    jobs.swap(jobs_);
    watchers_.clear();
  }
  for (auto &c : cancels)
    if (c) c();
  for (auto &j : jobs) {
    j->cancel();
    if (j->thread.joinable()) j->thread.join();
  }
}

uint64_t router::add_handle() {
  std::lock_guard lock(mu_);
  uint64_t h = next_handle_++;
  cancels_[h] = nullptr;
  return h;
}

void router::set_cancel(uint64_t handle, std::function<void()> cancel) {
  std::lock_guard lock(mu_);
  auto it = cancels_.find(handle);
  if (it != cancels_.end()) it->second = std::move(cancel);  // else: it finished already
}

void router::finish(uint64_t handle) {
  std::lock_guard lock(mu_);
  cancels_.erase(handle);
}

void router::cancel(uint64_t handle) {
  std::function<void()> c;
  {
    std::lock_guard lock(mu_);
    auto it = cancels_.find(handle);
    if (it == cancels_.end()) return;
    c = it->second;
  }
  if (c) c();
}

peer::peer_record router::self_record() const {
  peer::peer_record r;
  peer::node *n = node_.load();
  r.peer_id = n ? n->self_id() : "local";
  r.present = true;
  r.has_info = true;
  r.info_json = self_.info_json();
  peer::fill_from_info(r);
  r.accepts_commands = self_.accepts_commands;
  return r;
}

result<uint64_t> router::dispatch(request req, partial_fn on_partial, done_fn done) {
  if (!accepting_) return status(RA_UNAVAILABLE, "shutting down");
  reap_finished_jobs();
  if (req.fleet) return call_fleet(req, std::move(on_partial), std::move(done));
  peer::peer_record self = self_record();
  if (req.target.empty() || req.target == self.agent_id || req.target == self.peer_id) {
    if (!self_.accepts_commands)
      return status(RA_FAILED_PRECONDITION,
                    "this host runs with --no-agent and runs no tools itself; name a host (agent_id) that does");
    return call_local(req, std::move(on_partial), std::move(done));
  }
  peer::node *n = node_.load();
  if (!n)
    return status(RA_FAILED_PRECONDITION, "not connected to a relay (no room token): only this host can be called");
  // One host by agent id, peer id or name. Several processes of one agent: the smallest peer id
  // that accepts commands, as fleet targets choose.
  const peer::peer_record *best = nullptr;
  std::vector<std::string> name_matches;
  auto peers = n->peers();
  for (auto &p : peers) {
    if (!p.present || !p.has_info || !p.accepts_commands) continue;
    bool by_id = p.agent_id == req.target || p.peer_id == req.target;
    bool by_name = !by_id && p.name == req.target;
    if (!by_id && !by_name) continue;
    if (by_name && std::find(name_matches.begin(), name_matches.end(), p.agent_id) == name_matches.end())
      name_matches.push_back(p.agent_id);
    if (!best || p.peer_id < best->peer_id) best = &p;
  }
  if (name_matches.size() > 1) {
    std::string ids;
    for (auto &id : name_matches) ids += (ids.empty() ? "" : ", ") + id;
    return status(RA_INVALID_ARGUMENT,
                  "more than one host is named '" + req.target + "' (agent ids " + ids + "); use an agent id");
  }
  if (!best)
    return status(RA_NOT_FOUND,
                  "no host '" + req.target + "' that accepts commands is in the room; list_agents shows the hosts");
  return call_peer(*best, req, std::move(on_partial), std::move(done));
}

result<uint64_t> router::call_local(const request &req, partial_fn on_partial, done_fn done) {
  uint64_t h = add_handle();
  host_label label = label_of(self_record(), true);
  dispatch::request r;
  r.tool = req.tool;
  r.args_json = req.args_json;
  r.caller = "local";  // the operator's own frontend: set_mode follows the local rules
  r.timeout_ms = req.timeout_ms;
  if (on_partial) r.on_partial = [on_partial, name = label.name](std::string_view json) { on_partial(name, json); };
  auto cancel = local_.call(std::move(r), [this, h, label, done](outcome o) {
    finish(h);
    done(single_json(label, o));
  });
  set_cancel(h, std::move(cancel));
  return h;
}

result<uint64_t> router::call_peer(const peer::peer_record &p, const request &req, partial_fn on_partial,
                                   done_fn done) {
  peer::node *n = node_.load();
  uint64_t h = add_handle();
  host_label label = label_of(p, false);
  peer::remote_call c;
  c.tool = req.tool;
  c.args_json = req.args_json;
  c.timeout_ms = req.timeout_ms;
  if (on_partial) c.on_partial = [on_partial, name = p.name](std::string_view json) { on_partial(name, json); };
  auto cancel = n->call(p.peer_id, std::move(c), [this, h, label, done](outcome o) {
    finish(h);
    done(single_json(label, o));
  });
  set_cancel(h, std::move(cancel));
  return h;
}

result<uint64_t> router::call_fleet(const request &req, partial_fn on_partial, done_fn done) {
  peer::node *n = node_.load();
  std::vector<peer::peer_record> everyone;
  if (n) everyone = n->peers();
  peer::peer_record self = self_record();
  everyone.push_back(self);
  auto chosen = resolve_target(everyone, req.target);
  if (!chosen) return chosen.error();

  // This host runs its part through the local dispatcher; the others through the node.
  std::vector<fleet_host> remote;
  std::optional<fleet_host> mine;
  for (auto &h : *chosen) {
    if (h.peer_id == self.peer_id)
      mine = h;
    else
      remote.push_back(h);
  }
  if (!remote.empty() && !n) return status(RA_FAILED_PRECONDITION, "not connected to a relay");

  uint64_t handle = add_handle();
  auto job = std::make_shared<fleet_job>();
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(job);
  }
  set_cancel(handle, [job] { job->cancel(); });

  job->thread = std::thread([this, n, req, on_partial, done, handle, job, remote = std::move(remote),
                             mine = std::move(mine), order = std::move(*chosen)]() mutable {
    // Local part first, asynchronously, so it runs while the remote hosts work.
    struct local_state {
      std::mutex mu;
      std::condition_variable cv;
      std::optional<outcome> result;
    };
    auto ls = std::make_shared<local_state>();
    if (mine) {
      dispatch::request r;
      r.tool = req.tool;
      r.args_json = req.args_json;
      r.caller = "local";
      r.timeout_ms = req.timeout_ms;
      if (on_partial) r.on_partial = [on_partial, name = mine->display](std::string_view j) { on_partial(name, j); };
      job->set_local_cancel(local_.call(std::move(r), [ls](outcome o) {
        std::lock_guard lock(ls->mu);
        ls->result = std::move(o);
        ls->cv.notify_all();
      }));
    }
    std::vector<fleet_host> remote_done;
    if (!remote.empty()) {
      fleet_options opt;
      opt.per_host_timeout_ms = req.timeout_ms;
      opt.overall_timeout_ms = req.deadline_ms;
      opt.stop = job->stop;
      if (on_partial)
        opt.on_partial = [on_partial](const fleet_host &h, std::string_view j) { on_partial(h.display, j); };
      remote_done = fleet_call(*n, std::move(remote), req.tool, req.args_json, opt);
    }
    if (mine) {
      std::unique_lock lock(ls->mu);
      // The dispatcher enforces the call's own timeout; a stop cancels it. Either way it completes.
      ls->cv.wait(lock, [&] { return ls->result.has_value(); });
      mine->result = std::move(*ls->result);
    }

    // Reassemble in the resolved order and render.
    std::vector<fleet_host> all;
    for (auto &h : order) {
      if (mine && h.peer_id == mine->peer_id) {
        all.push_back(*mine);
        continue;
      }
      for (auto &r : remote_done)
        if (r.peer_id == h.peer_id) all.push_back(r);
    }
    std::vector<host_outcome> rows;
    for (auto &h : all) rows.push_back(to_host_outcome(h));
    rapidjson::StringBuffer b;
    writer w(b);
    w.StartObject();
    w.Key("target"), w.String(json::to_valid_utf8(req.target).c_str());
    w.Key("hosts");
    w.StartArray();
    std::map<std::string, int> counts;
    for (size_t i = 0; i < all.size(); ++i) {
      w.StartObject();
      bool is_local = mine && all[i].peer_id == mine->peer_id;
      host_label label{all[i].agent_id, all[i].name, is_local ? std::string() : all[i].peer_id, is_local};
      write_outcome_members(w, label, all[i].result);
      w.Key("display"), w.String(json::to_valid_utf8(all[i].display).c_str());
      w.Key("verdict"), w.String(rows[i].kind.c_str());
      w.EndObject();
      ++counts[rows[i].kind];
    }
    w.EndArray();
    w.Key("counts");
    w.StartObject();
    for (const char *k : {"ok", "failed", "denied", "invalid", "timeout", "cancelled", "unreachable"}) {
      w.Key(k), w.Int(counts[k]);
      counts.erase(k);
    }
    for (auto &[k, v] : counts) w.Key(k.c_str()), w.Int(v);
    w.EndObject();
    w.Key("text"), w.String(json::to_valid_utf8(grouped_text(rows)).c_str());
    w.EndObject();
    finish(handle);
    done(std::string_view(b.GetString(), b.GetSize()));
    job->finished = true;
  });
  return handle;
}

void router::reap_finished_jobs() {
  std::list<std::shared_ptr<fleet_job>> done;
  {
    std::lock_guard lock(mu_);
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if ((*it)->finished) {
        done.push_back(*it);
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto &j : done)
    if (j->thread.joinable()) j->thread.join();
}

std::string router::describe() {
  rapidjson::Document d(rapidjson::kObjectType);
  auto &a = d.GetAllocator();
  peer::node *n = node_.load();

  rapidjson::Document self;
  if (!json::parse(self_.info_json(), self) || !self.IsObject()) self.SetObject();
  rapidjson::Document tools;
  if (!json::parse(self_.tools_json(), tools) || !tools.IsArray()) tools.SetArray();
  if (n) self.AddMember("peer_id", rapidjson::Value(n->self_id().c_str(), a), self.GetAllocator());
  self.RemoveMember("accepts_commands");
  self.AddMember("accepts_commands", self_.accepts_commands, self.GetAllocator());
  self.AddMember("tools", rapidjson::Value(tools, self.GetAllocator()), self.GetAllocator());
  d.AddMember("self", rapidjson::Value(self, a), a);

  rapidjson::Value relay(rapidjson::kObjectType);
  relay.AddMember("configured", n != nullptr, a);
  relay.AddMember("joined", n != nullptr && n->joined(), a);
  d.AddMember("relay", relay, a);

  rapidjson::Document peers;
  std::string list = n ? "[" + peer::peers_json(n->peers(), true) + "]" : "[]";
  if (!json::parse(list, peers) || !peers.IsArray()) peers.SetArray();
  d.AddMember("peers", rapidjson::Value(peers, a), a);
  return json::to_string(d);
}

// ---- events (abi.md R66–R67) --------------------------------------------------------------------

status router::send_event(const std::string &to, std::string_view topic, std::string_view json_text) {
  if (!peer::valid_event_topic(topic))
    return invalid_argument("event topic '" + json::to_valid_utf8(topic) +
                            "' is malformed (want [a-z0-9][a-z0-9._-]{0,63})");
  if (json_text.size() > peer::k_event_max_bytes)
    return invalid_argument("event body of " + std::to_string(json_text.size()) + " bytes is over the limit of " +
                            std::to_string(peer::k_event_max_bytes));
  rapidjson::Document d;
  if (!json::parse(json_text, d) || !d.IsObject()) return invalid_argument("event body must be a JSON object");
  std::string body = json::to_string(d);
  peer::node *n = node_.load();
  if (to == "local" || (n && to == n->self_id())) {
    events_.deliver(host_object_json(label_of(self_record(), true)), std::string(topic), std::move(body));
    return status::ok();
  }
  if (!peer::valid_request_id(to))  // peer ids are 32 hex digits, like request ids
    return invalid_argument("event address '" + json::to_valid_utf8(to) + "' is neither \"local\" nor a peer id");
  peer::event_msg e;
  e.topic = std::string(topic);
  e.data_json = std::move(body);
  if (!n) {
    // Not in the room yet (plugins start before the relay is joined): hold, bounded, oldest first out.
    std::lock_guard lock(mu_);
    if (!node_.load()) {
      if (unattached_events_.size() >= 1024) unattached_events_.erase(unattached_events_.begin());
      unattached_events_.emplace_back(to, std::move(e));
      return status::ok();
    }
    n = node_.load();
  }
  return n->send_event(to, std::move(e));
}

void router::subscribe(const std::string &key, std::string topic_prefix, event_fn fn) {
  events_.subscribe(key, std::move(topic_prefix), std::move(fn));
}

void router::deliver_event(const std::string &from_peer, std::string topic, std::string data_json) {
  host_label from{"", "", from_peer, false};
  if (peer::node *n = node_.load())
    for (auto &p : n->peers())
      if (p.peer_id == from_peer) from = label_of(p, false);
  events_.deliver(host_object_json(from), std::move(topic), std::move(data_json));
}

}  // namespace ra::dispatch
