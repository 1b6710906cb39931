#include "dispatch/fleet.hpp"

#include <rapidjson/document.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "dispatch/result_shape.hpp"
#include "dispatch/target.hpp"
#include "util/json.hpp"

namespace ra::dispatch {

result<std::vector<fleet_host>> resolve_target(const std::vector<peer::peer_record> &peers, std::string_view text) {
  auto t = target::parse(text);
  if (!t) return t.error();
  std::vector<const peer::peer_record *> known;
  std::vector<host_facts> facts;
  for (auto &p : peers) {
    if (!p.present || !p.has_info) continue;
    known.push_back(&p);
    host_facts f;
    f.peer_id = p.peer_id;
    f.agent_id = p.agent_id;
    f.name = p.name;
    f.tags = p.tags;
    f.os_family = p.os_family;
    f.accepts_commands = p.accepts_commands;
    facts.push_back(std::move(f));
  }
  auto chosen = select(*t, facts);
  // `all` means every host: a peer in the room that never sent readable info (wedged, another
  // version) is reported as unreachable rather than silently left out. Other targets cannot be
  // matched against a peer whose name and tags are unknown.
  std::vector<fleet_host> silent;
  if (t->root().k == target::node::kind::all)
    for (auto &p : peers)
      if (p.present && !p.has_info) {
        fleet_host h;
        h.peer_id = p.peer_id;
        h.display = "peer " + p.peer_id.substr(0, 12);
        h.result.kind = outcome_kind::unreachable;
        h.result.status = RA_UNAVAILABLE;
        h.result.message = "in the room but sent no readable info (wedged, or another version)";
        h.settled = true;
        silent.push_back(std::move(h));
      }
  if (chosen.empty() && silent.empty())
    return status(RA_NOT_FOUND, "no host matches target '" + std::string(text) + "'");
  std::map<std::string, int> name_count;
  for (size_t i : chosen) ++name_count[known[i]->name];
  std::vector<fleet_host> out;
  for (size_t i : chosen) {
    const auto &p = *known[i];
    fleet_host h;
    h.peer_id = p.peer_id;
    h.agent_id = p.agent_id;
    h.name = p.name;
    h.display = p.name.empty() ? p.agent_id : p.name;
    if (name_count[p.name] > 1) h.display += "(" + p.agent_id.substr(0, 8) + ")";
    out.push_back(std::move(h));
  }
  for (auto &h : silent) out.push_back(std::move(h));
  return out;
}

void fleet_stop::request() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (requested_) return;
    requested_ = true;
    wake = wake_;
  }
  if (wake) wake();
}

bool fleet_stop::requested() const {
  std::lock_guard lock(mu_);
  return requested_;
}

void fleet_stop::on_request(std::function<void()> wake) {
  bool now;
  {
    std::lock_guard lock(mu_);
    wake_ = wake;
    now = requested_;
  }
  if (now && wake) wake();
}

std::vector<fleet_host> fleet_call(peer::node &node, std::vector<fleet_host> hosts, const std::string &tool,
                                   const std::string &args_json, const fleet_options &opt) {
  struct shared {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<bool> done;
    size_t remaining = 0;
    bool stop = false;
  };
  auto st = std::make_shared<shared>();
  st->done.assign(hosts.size(), false);
  st->remaining = hosts.size();
  std::vector<outcome> results(hosts.size());
  std::vector<std::function<void()>> cancels(hosts.size());
  auto results_ptr = &results;

  for (size_t i = 0; i < hosts.size(); ++i) {
    if (hosts[i].settled) {
      results[i] = hosts[i].result;
      st->done[i] = true;
      --st->remaining;
      cancels[i] = [] {};
      continue;
    }
    peer::remote_call c;
    c.tool = tool;
    c.args_json = args_json;
    c.timeout_ms = opt.per_host_timeout_ms;
    if (opt.on_partial) {
      fleet_host h = hosts[i];
      auto fn = opt.on_partial;
      c.on_partial = [h, fn](std::string_view data) { fn(h, data); };
    }
    cancels[i] = node.call(hosts[i].peer_id, std::move(c), [st, i, results_ptr](outcome o) {
      std::lock_guard lock(st->mu);
      if (st->done[i]) return;  // already reported as timed out by the overall deadline
      (*results_ptr)[i] = std::move(o);
      st->done[i] = true;
      --st->remaining;
      st->cv.notify_all();
    });
  }

  int64_t per_host = opt.per_host_timeout_ms > 0 ? opt.per_host_timeout_ms : 120000;
  int64_t overall = opt.overall_timeout_ms > 0 ? opt.overall_timeout_ms : per_host + 10000;
  if (opt.stop)
    opt.stop->on_request([st] {
      std::lock_guard lock(st->mu);
      st->stop = true;
      st->cv.notify_all();
    });
  std::unique_lock lock(st->mu);
  bool all = st->cv.wait_for(lock, std::chrono::milliseconds(overall), [&] { return st->remaining == 0 || st->stop; });
  if (!all || st->remaining > 0) {
    bool stopped = st->stop;
    for (size_t i = 0; i < hosts.size(); ++i) {
      if (st->done[i]) continue;
      st->done[i] = true;
      if (stopped) {
        results[i].kind = outcome_kind::cancelled;
        results[i].status = RA_CANCELLED;
        results[i].message = "cancelled by the caller; the host was told to stop the call";
      } else {
        results[i].kind = outcome_kind::timeout;
        results[i].status = RA_DEADLINE_EXCEEDED;
        results[i].message = "no result within the fleet call's " + std::to_string(overall) + " ms";
      }
      lock.unlock();
      cancels[i]();
      lock.lock();
    }
  }
  lock.unlock();
  if (opt.stop) opt.stop->on_request({});  // st dies with this frame; no late wake-ups
  for (size_t i = 0; i < hosts.size(); ++i) hosts[i].result = std::move(results[i]);
  return hosts;
}

host_outcome to_host_outcome(const fleet_host &h) {
  host_outcome r;
  r.host = h.display;
  r.peer_id = h.peer_id;
  r.duration_ms = h.result.duration_ms;
  r.kind = std::string(outcome_name(h.result.kind));
  if (h.result.kind != outcome_kind::ok) {
    r.output = h.result.message;
    return r;
  }
  rapidjson::Document d;
  if (!json::parse(h.result.result_json, d) || !d.IsObject()) {
    r.output = h.result.result_json;
    return r;
  }
  if (!is_exec_shaped(d)) {
    if (result_flag(d, "success", false)) r.kind = "failed";
    // What the hosts have in common is what groups them: a file's content (not the path it was
    // read from, which differs when it was relative), and any result minus its timing.
    for (const char *k : {"content", "content_base64"})
      if (auto it = d.FindMember(k); it != d.MemberEnd() && it->value.IsString()) {
        r.output.assign(it->value.GetString(), it->value.GetStringLength());
        return r;
      }
    d.RemoveMember("duration_ms");
    r.output = json::to_pretty_string(d);
    return r;
  }
  r.output = exec_output(d);
  int code = d["exit_code"].IsInt() ? d["exit_code"].GetInt() : -1;
  bool timed_out = result_flag(d, "timed_out", true);
  if (timed_out) r.kind = "timeout";
  if (code != 0) {
    if (!timed_out) r.kind = "failed";
    if (!r.output.empty() && r.output.back() != '\n') r.output += "\n";
    r.output += "[exit code: " + std::to_string(code) + "]";
  }
  return r;
}

}  // namespace ra::dispatch
