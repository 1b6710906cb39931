#include "peer/node.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <array>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "crypto/opener.hpp"
#include "crypto/primitives.hpp"
#include "crypto/sealer.hpp"
#include "link/link.hpp"
#include "peer/result_cache.hpp"
#include "util/hex.hpp"
#include "util/json.hpp"

namespace ra::peer {
namespace {

namespace asio = boost::asio;
using crypto::frame_kind;
using dispatch::outcome;
using dispatch::outcome_kind;

outcome_kind kind_from_name(std::string_view s) {
  for (auto k : {outcome_kind::ok, outcome_kind::failed, outcome_kind::denied, outcome_kind::invalid,
                 outcome_kind::timeout, outcome_kind::cancelled, outcome_kind::unreachable})
    if (dispatch::outcome_name(k) == s) return k;
  return outcome_kind::failed;
}

outcome make_outcome(outcome_kind k, ra_status s, std::string msg) {
  outcome o;
  o.kind = k;
  o.status = s;
  o.message = std::move(msg);
  return o;
}

std::string str_member(const rapidjson::Value &o, const char *k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString()) : std::string();
}

}  // namespace

std::string peers_json(const std::vector<peer::peer_record> &peers, bool with_tools) {
  std::string out;
  for (auto &p : peers) {
    if (!p.present || !p.has_info) continue;
    rapidjson::Document d;
    if (!json::parse(p.info_json, d) || !d.IsObject()) continue;
    auto &a = d.GetAllocator();
    d.AddMember("peer_id", rapidjson::Value(p.peer_id.c_str(), a), a);
    rapidjson::Document tools;
    if (with_tools && json::parse(p.tools_json, tools)) d.AddMember("tools", rapidjson::Value(tools, a), a);
    out += (out.empty() ? "" : ",") + json::to_string(d);
  }
  return out;
}

void fill_from_info(peer_record &r) {
  rapidjson::Document d;
  if (!json::parse(r.info_json, d) || !d.IsObject()) return;
  r.agent_id = str_member(d, "id");
  r.name = str_member(d, "name");
  r.mode = str_member(d, "mode");
  r.version = str_member(d, "version");
  r.os_family = str_member(d, "os");
  if (auto p = d.FindMember("platform"); p != d.MemberEnd() && p->value.IsObject()) {
    auto fam = str_member(p->value, "family");
    if (!fam.empty()) r.os_family = fam;
  }
  r.tags.clear();
  if (auto t = d.FindMember("tags"); t != d.MemberEnd() && t->value.IsArray())
    for (auto &v : t->value.GetArray())
      if (v.IsString()) r.tags.emplace_back(v.GetString());
  auto ac = d.FindMember("accepts_commands");
  r.accepts_commands = ac != d.MemberEnd() && ac->value.IsBool() && ac->value.GetBool();
}

struct node::impl : std::enable_shared_from_this<impl> {
  node_options opt;
  std::string self_id;
  asio::io_context io;
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
  std::unique_ptr<link::link> relay;
  std::unique_ptr<crypto::room_crypto> room;  // kept to start a new sender session when one runs out
  std::unique_ptr<crypto::sealer> sealer;
  std::unique_ptr<crypto::opener> opener;

  // Shared with other threads (peers(), wait_ready()).
  mutable std::mutex mu;
  mutable std::condition_variable changed;
  std::map<std::string, peer_record> table;
  bool is_joined = false;
  uint64_t joins = 0;
  bool stopping = false;

  // Controller side (node thread only).
  struct pending_call {
    std::string peer_id;
    std::string request_json;
    std::function<void(std::string_view)> on_partial;
    std::function<void(outcome)> done;
    std::unique_ptr<asio::steady_timer> deadline;
    std::chrono::steady_clock::time_point started;
  };
  std::unordered_map<std::string, std::shared_ptr<pending_call>> pending;

  // Executor side (node thread only).
  result_cache cache;
  struct running_call {
    std::string requester;
    std::function<void()> cancel;
  };
  std::unordered_map<std::string, running_call> running;
  std::unique_ptr<asio::steady_timer> prune_timer;
  uint64_t dropped_frames = 0;

  // Events for peers that are away (node thread only), and the per-sender rate of incoming ones.
  struct held_event {
    std::string body;
    std::chrono::steady_clock::time_point expires;
  };
  static constexpr size_t k_held_per_peer = 256, k_held_total = 1024;
  static constexpr std::chrono::minutes k_hold_for{10};
  std::unordered_map<std::string, std::deque<held_event>> held;
  size_t held_total = 0;
  struct event_rate {
    std::chrono::steady_clock::time_point window;
    int count = 0;
  };
  std::unordered_map<std::string, event_rate> event_rates;

  // ---- sending --------------------------------------------------------------------------------
  status seal_and_send(frame_kind kind, const std::string &to, std::string_view body) {
    auto frame = sealer->seal(kind, to, {reinterpret_cast<const uint8_t *>(body.data()), body.size()});
    if (!frame && frame.error().code() == RA_RESOURCE_EXHAUSTED &&
        frame.error().message().find("counter") != std::string::npos) {
      // 2^64-1 frames under one key: start a new session (new salt, new key) and go on.
      auto fresh = crypto::sealer::create(*room, self_id);
      if (!fresh) return fresh.error();
      sealer = std::make_unique<crypto::sealer>(std::move(*fresh));
      frame = sealer->seal(kind, to, {reinterpret_cast<const uint8_t *>(body.data()), body.size()});
    }
    if (!frame) return frame.error();
    std::vector<std::string> dest;
    if (!to.empty()) dest.push_back(to);
    return relay->send(std::move(dest), std::move(*frame));
  }

  void send_info(const std::string &to, bool reply_wanted) {
    info_msg m = opt.self_info ? opt.self_info() : info_msg{};
    m.reply_wanted = reply_wanted;
    if (auto st = seal_and_send(frame_kind::info, to, encode(m)); !st)
      spdlog::debug("peer: info to {} not sent: {}", to.empty() ? "room" : to, st.message());
  }

  void send_request(pending_call &p) {
    if (auto st = seal_and_send(frame_kind::request, p.peer_id, p.request_json); !st)
      spdlog::debug("peer: request to {} not sent yet ({}); re-sent when the link is back", p.peer_id, st.message());
  }

  void send_reply(const std::string &to, const std::string &reply_json) {
    auto st = seal_and_send(frame_kind::reply, to, reply_json);
    if (st || st.code() != RA_RESOURCE_EXHAUSTED) return;
    // Too big for one relay frame: the caller gets a clear failure rather than silence.
    auto r = decode_reply(reply_json);
    reply_msg small;
    small.id = r ? r->id : "";
    small.outcome = "failed";
    small.status = RA_RESOURCE_EXHAUSTED;
    small.message = "result too large for the relay (" + std::to_string(reply_json.size()) + " bytes > " +
                    std::to_string(relay->max_payload()) + "); read in smaller chunks or narrow the request";
    (void)seal_and_send(frame_kind::reply, to, encode(small));
  }

  // ---- events (abi.md R66) --------------------------------------------------------------------
  bool peer_reachable(const std::string &peer) {
    std::lock_guard lock(mu);
    auto t = table.find(peer);
    return is_joined && t != table.end() && t->second.present;
  }

  void send_event_body(const std::string &to, std::string body) {
    auto &queue = held[to];
    if (queue.empty() && peer_reachable(to)) {
      auto st = seal_and_send(frame_kind::event, to, body);
      if (st) return;
      if (st.code() == RA_RESOURCE_EXHAUSTED && st.message().find("counter") == std::string::npos) {
        spdlog::warn("peer: event for {} dropped: {}", to, st.message());
        return;
      }
    }
    if (queue.size() >= k_held_per_peer || held_total >= k_held_total) {
      auto &from = queue.size() >= k_held_per_peer ? queue : oldest_queue();
      if (!from.empty()) {
        from.pop_front();
        --held_total;
        spdlog::debug("peer: an event held for an absent peer was dropped (queue full)");
      }
    }
    queue.push_back({std::move(body), std::chrono::steady_clock::now() + k_hold_for});
    ++held_total;
  }

  std::deque<held_event> &oldest_queue() {
    std::deque<held_event> *oldest = nullptr;
    for (auto &[peer, q] : held)
      if (!q.empty() && (!oldest || q.front().expires < oldest->front().expires)) oldest = &q;
    static std::deque<held_event> none;
    return oldest ? *oldest : none;
  }

  void flush_held(const std::string &peer) {
    auto it = held.find(peer);
    if (it == held.end()) return;
    auto &queue = it->second;
    while (!queue.empty()) {
      if (!seal_and_send(frame_kind::event, peer, queue.front().body)) return;  // link down: keep the rest
      queue.pop_front();
      --held_total;
    }
    held.erase(it);
  }

  void prune_held() {
    auto now = std::chrono::steady_clock::now();
    for (auto it = held.begin(); it != held.end();) {
      auto &queue = it->second;
      while (!queue.empty() && queue.front().expires <= now) {
        queue.pop_front();
        --held_total;
      }
      it = queue.empty() ? held.erase(it) : std::next(it);
    }
    for (auto it = event_rates.begin(); it != event_rates.end();)
      it = now - it->second.window > std::chrono::seconds(5) ? event_rates.erase(it) : std::next(it);
  }

  void handle_event(const std::string &from, std::string_view body) {
    auto now = std::chrono::steady_clock::now();
    auto &rate = event_rates[from];
    if (now - rate.window >= std::chrono::seconds(1)) rate = {now, 0};
    if (++rate.count > k_event_rate) {
      if (rate.count == k_event_rate + 1)
        spdlog::warn("peer: {} sends more than {} events/s; dropping", from, k_event_rate);
      return;
    }
    auto e = decode_event(body);
    if (!e) return (void)spdlog::debug("peer: bad event from {}: {}", from, e.error().message());
    if (opt.on_event) opt.on_event(from, std::move(*e));
  }

  void roster_changed() {
    if (opt.on_roster_changed) opt.on_roster_changed();
  }

  // ---- link events ----------------------------------------------------------------------------
  void on_joined(const link::joined_info &j) {
    {
      std::lock_guard lock(mu);
      is_joined = true;
      ++joins;
      for (auto &[id, r] : table) r.present = false;
      for (auto &p : j.peers) {
        auto &r = table[p];
        r.peer_id = p;
        r.present = true;
      }
    }
    changed.notify_all();
    roster_changed();
    spdlog::info("peer: joined the room as {} ({} other peers, connection {})", j.self_id, j.peers.size(),
                 j.connection_number);
    send_info("", true);
    // Anything unanswered goes out again: the relay kept nothing (PROTOCOL.md §9 step 2).
    for (auto &[id, p] : pending) send_request(*p);
    for (auto &p : j.peers) flush_held(p);
  }

  void on_peer_joined(const std::string &peer) {
    {
      std::lock_guard lock(mu);
      auto &r = table[peer];
      r.peer_id = peer;
      r.present = true;
    }
    changed.notify_all();
    roster_changed();
    for (auto &[id, p] : pending)
      if (p->peer_id == peer) send_request(*p);
    flush_held(peer);
  }

  void on_peer_left(const std::string &peer) {
    {
      std::lock_guard lock(mu);
      auto it = table.find(peer);
      if (it != table.end()) it->second.present = false;
    }
    changed.notify_all();
    roster_changed();
  }

  void on_disconnected(const std::string &reason, std::chrono::milliseconds retry_in) {
    {
      std::lock_guard lock(mu);
      is_joined = false;
    }
    changed.notify_all();
    roster_changed();
    if (!stopping) spdlog::warn("peer: relay link lost ({}); retrying in {} ms", reason, retry_in.count());
  }

  void on_relay_error(wire::error_code code, const std::string &peer) {
    // A dropped frame: re-send what we have for that peer instead of waiting for the deadline.
    if (code == wire::error_code::recipient_busy || code == wire::error_code::rate_limited) {
      for (auto &[id, p] : pending)
        if (p->peer_id == peer || peer.empty()) send_request(*p);
    }
  }

  void on_deliver(const std::string &from, std::vector<uint8_t> payload) {
    auto msg = opener->open(payload);
    if (!msg) {
      // Forged, replayed, for another room or another peer: never acted on. Count, log quietly.
      if (++dropped_frames % 1000 == 1)
        spdlog::debug("peer: dropped a frame from {}: {} ({} so far)", from, msg.error().message(), dropped_frames);
      return;
    }
    if (msg->sender != from) {
      ++dropped_frames;
      spdlog::debug("peer: dropped a frame the relay labelled {} but {} sealed", from, msg->sender);
      return;
    }
    std::string_view body(reinterpret_cast<const char *>(msg->plaintext.data()), msg->plaintext.size());
    switch (msg->kind) {
      case frame_kind::info:
        return handle_info(from, body);
      case frame_kind::request:
        return handle_request(from, body);
      case frame_kind::reply:
        return handle_reply(from, body);
      case frame_kind::partial:
        return handle_partial(from, body);
      case frame_kind::control:
        return handle_control(from, body);
      case frame_kind::event:
        return handle_event(from, body);
    }
  }

  // ---- message handlers -----------------------------------------------------------------------
  void handle_info(const std::string &from, std::string_view body) {
    auto m = decode_info(body);
    if (!m) return (void)spdlog::debug("peer: bad info from {}: {}", from, m.error().message());
    {
      std::lock_guard lock(mu);
      auto &r = table[from];
      r.peer_id = from;
      r.present = true;
      r.has_info = true;
      r.info_json = m->info_json;
      r.tools_json = m->tools_json;
      r.info_at_ms = unix_ms();
      fill_from_info(r);
    }
    changed.notify_all();
    roster_changed();
    if (m->reply_wanted) send_info(from, false);
  }

  void handle_request(const std::string &from, std::string_view body) {
    auto req = decode_request(body);
    if (!req) return (void)spdlog::debug("peer: bad request from {}: {}", from, req.error().message());
    auto answer = [&](outcome_kind k, ra_status s, std::string text) {
      reply_msg r;
      r.id = req->id;
      r.outcome = std::string(dispatch::outcome_name(k));
      r.status = s;
      r.message = std::move(text);
      send_reply(from, encode(r));
    };
    if (!opt.execute)
      return answer(outcome_kind::denied, RA_PERMISSION_DENIED, "this peer does not accept commands (send-only)");
    std::string cached;
    switch (cache.admit(req->id, req->expires_at_ms, unix_ms(), &cached)) {
      case result_cache::verdict::running:
        return;  // the reply goes out when it finishes
      case result_cache::verdict::done:
        if (cached.empty())
          return answer(outcome_kind::failed, RA_UNAVAILABLE,
                        "this request already ran; its result is no longer cached");
        return send_reply(from, cached);
      case result_cache::verdict::expired:
        return answer(outcome_kind::failed, RA_DEADLINE_EXCEEDED,
                      "request expired before it reached this host (clock skew or a replay); not run");
      case result_cache::verdict::busy:
        return answer(outcome_kind::failed, RA_RESOURCE_EXHAUSTED, "too many requests in flight on this host");
      case result_cache::verdict::run:
        break;
    }
    spdlog::info("peer: {} from {} ({})", req->tool, req->caller.empty() ? from : req->caller, req->id);
    incoming_call call;
    call.request_id = req->id;
    call.from_peer = from;
    call.caller = "peer:" + (req->caller.empty() ? from : req->caller);
    call.tool = req->tool;
    call.args_json = req->args_json;
    call.timeout_ms = req->timeout_ms;
    std::weak_ptr<impl> weak = weak_from_this();
    std::string id = req->id;
    call.on_partial = [weak, id, from](std::string_view data) {
      auto self = weak.lock();
      if (!self) return;
      partial_msg p{id, std::string(data)};
      asio::post(self->io, [self, from, body = encode(p)] {
        if (auto st = self->seal_and_send(frame_kind::partial, from, body); !st)
          spdlog::debug("peer: partial output to {} dropped: {}", from, st.message());
      });
    };
    auto started = std::chrono::steady_clock::now();
    running[id] = running_call{from, {}};
    auto cancel = opt.execute(std::move(call), [weak, id, started](outcome o) {
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->io, [self, id, started, o = std::move(o)] {
        reply_msg r;
        r.id = id;
        r.outcome = std::string(dispatch::outcome_name(o.kind));
        r.status = o.status;
        r.result_json = o.result_json.empty() ? "{}" : o.result_json;
        r.message = o.message;
        r.duration_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
        std::string text = encode(r);
        self->cache.complete(id, text);
        auto it = self->running.find(id);
        std::string to = it != self->running.end() ? it->second.requester : std::string();
        if (it != self->running.end()) self->running.erase(it);
        if (!to.empty()) self->send_reply(to, text);
      });
    });
    if (auto it = running.find(id); it != running.end()) it->second.cancel = std::move(cancel);
  }

  void handle_reply(const std::string &from, std::string_view body) {
    auto rep = decode_reply(body);
    if (!rep) return (void)spdlog::debug("peer: bad reply from {}: {}", from, rep.error().message());
    auto it = pending.find(rep->id);
    if (it == pending.end() || it->second->peer_id != from) return;  // late duplicate, or not ours
    auto p = it->second;
    pending.erase(it);
    if (p->deadline) p->deadline->cancel();
    outcome o;
    o.kind = kind_from_name(rep->outcome);
    o.status = static_cast<ra_status>(rep->status);
    o.result_json = std::move(rep->result_json);
    o.message = std::move(rep->message);
    o.duration_ms = rep->duration_ms;
    p->done(std::move(o));
  }

  void handle_partial(const std::string &from, std::string_view body) {
    auto part = decode_partial(body);
    if (!part) return;
    auto it = pending.find(part->id);
    if (it == pending.end() || it->second->peer_id != from || !it->second->on_partial) return;
    it->second->on_partial(part->data_json);
  }

  void handle_control(const std::string &from, std::string_view body) {
    auto c = decode_control(body);
    if (!c) return;
    auto it = running.find(c->id);
    if (it == running.end() || it->second.requester != from) return;  // only its requester may cancel it
    spdlog::info("peer: {} cancelled by its requester", c->id);
    if (it->second.cancel) it->second.cancel();
  }

  // ---- controller -----------------------------------------------------------------------------
  void start_call(const std::string &peer_id, remote_call c, std::function<void(outcome)> done, const std::string &id) {
    if (stopping) return done(make_outcome(outcome_kind::cancelled, RA_UNAVAILABLE, "this process is shutting down"));
    {
      std::lock_guard lock(mu);
      auto it = table.find(peer_id);
      if (it == table.end() || !it->second.present)
        return done(make_outcome(outcome_kind::unreachable, RA_UNAVAILABLE, "peer " + peer_id + " is not in the room"));
    }
    int64_t timeout = c.timeout_ms > 0 ? c.timeout_ms : opt.default_timeout_ms;
    request_msg req;
    req.id = id;
    req.tool = std::move(c.tool);
    req.args_json = std::move(c.args_json);
    req.timeout_ms = timeout;
    req.caller = opt.display_name;
    // The executor's own timeout fires first; the controller waits a little longer for its reply.
    int64_t wait_ms = timeout + 3000;
    req.expires_at_ms = unix_ms() + wait_ms + opt.expiry_margin_ms;
    auto p = std::make_shared<pending_call>();
    p->peer_id = peer_id;
    p->request_json = encode(req);
    p->on_partial = std::move(c.on_partial);
    p->done = std::move(done);
    p->started = std::chrono::steady_clock::now();
    p->deadline = std::make_unique<asio::steady_timer>(io, std::chrono::milliseconds(wait_ms));
    std::weak_ptr<impl> weak = weak_from_this();
    p->deadline->async_wait([weak, id, timeout](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      auto it = self->pending.find(id);
      if (it == self->pending.end()) return;
      auto call = it->second;
      self->pending.erase(it);
      bool present;
      {
        std::lock_guard lock(self->mu);
        auto t = self->table.find(call->peer_id);
        present = self->is_joined && t != self->table.end() && t->second.present;
      }
      if (present)
        call->done(make_outcome(outcome_kind::timeout, RA_DEADLINE_EXCEEDED,
                                "no reply within " + std::to_string(timeout) + " ms"));
      else
        call->done(make_outcome(outcome_kind::unreachable, RA_UNAVAILABLE,
                                "peer " + call->peer_id + " left the room and did not come back in time"));
    });
    pending.emplace(id, p);
    send_request(*p);
  }

  void cancel_call(const std::string &id) {
    auto it = pending.find(id);
    if (it == pending.end()) return;
    auto p = it->second;
    pending.erase(it);
    if (p->deadline) p->deadline->cancel();
    control_msg c{"cancel", id};
    (void)seal_and_send(frame_kind::control, p->peer_id, encode(c));
    p->done(make_outcome(outcome_kind::cancelled, RA_CANCELLED, "cancelled by the caller"));
  }

  void schedule_prune() {
    prune_timer->expires_after(std::chrono::seconds(30));
    std::weak_ptr<impl> weak = weak_from_this();
    prune_timer->async_wait([weak](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->cache.prune(unix_ms());
      self->prune_held();
      self->schedule_prune();
    });
  }
};

node::node() = default;

node::~node() { stop(); }

result<std::unique_ptr<node>> node::start(const crypto::room_crypto &room, node_options opts) {
  std::unique_ptr<node> n(new node());
  auto m = std::make_shared<impl>();
  n->impl_ = m;
  m->opt = std::move(opts);

  // Random per process, never derived from anything longer-lived (PROTOCOL.md §7).
  std::array<uint8_t, 16> id_bytes{};
  if (auto st = crypto::random_bytes(id_bytes); !st) return st;
  m->self_id = to_hex(id_bytes);
  link::link_options lo;
  lo.relay_url = m->opt.relay_url;
  lo.routing_id_hex = room.relay_routing_id();
  lo.peer_id = m->self_id;
  if (auto st = crypto::random_bytes(lo.resume); !st) return st;
  lo.access_token = m->opt.access_token;
  lo.backoff_min = m->opt.backoff_min;
  lo.backoff_max = m->opt.backoff_max;
  lo.ping_interval = m->opt.ping_interval;
  lo.tls_verify = m->opt.tls_verify;

  m->room = std::make_unique<crypto::room_crypto>(room);
  auto s = crypto::sealer::create(room, m->self_id);
  if (!s) return s.error();
  m->sealer = std::make_unique<crypto::sealer>(std::move(*s));
  auto o = crypto::opener::create(room, m->self_id);
  if (!o) return o.error();
  m->opener = std::make_unique<crypto::opener>(std::move(*o));

  std::weak_ptr<impl> weak = m;
  link::link_events ev;
  ev.on_joined = [weak](const link::joined_info &j) {
    if (auto s = weak.lock()) s->on_joined(j);
  };
  ev.on_peer_joined = [weak](const std::string &p) {
    if (auto s = weak.lock()) s->on_peer_joined(p);
  };
  ev.on_peer_left = [weak](const std::string &p, wire::leave_reason) {
    if (auto s = weak.lock()) s->on_peer_left(p);
  };
  ev.on_deliver = [weak](const std::string &from, std::vector<uint8_t> payload) {
    if (auto s = weak.lock()) s->on_deliver(from, std::move(payload));
  };
  ev.on_relay_error = [weak](wire::error_code c, const std::string &p) {
    if (auto s = weak.lock()) s->on_relay_error(c, p);
  };
  ev.on_disconnected = [weak](const std::string &reason, std::chrono::milliseconds retry) {
    if (auto s = weak.lock()) s->on_disconnected(reason, retry);
  };
  auto l = link::link::create(m->io, std::move(lo), std::move(ev));
  if (!l) return l.error();
  m->relay = std::move(*l);
  m->prune_timer = std::make_unique<asio::steady_timer>(m->io);
  m->guard = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(m->io.get_executor());
  m->thread = std::thread([m] { m->io.run(); });
  asio::post(m->io, [m] {
    m->relay->start();
    m->schedule_prune();
  });
  return n;
}

const std::string &node::self_id() const { return impl_->self_id; }

bool node::joined() const {
  std::lock_guard lock(impl_->mu);
  return impl_->is_joined;
}

std::vector<peer_record> node::peers() const {
  std::lock_guard lock(impl_->mu);
  std::vector<peer_record> out;
  out.reserve(impl_->table.size());
  for (auto &[id, r] : impl_->table) out.push_back(r);
  return out;
}

bool node::wait_joined(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->joins > 0; });
}

bool node::wait_ready(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->changed.wait_for(lock, timeout, [&] {
    if (!impl_->is_joined) return false;
    for (auto &[id, r] : impl_->table)
      if (r.present && !r.has_info) return false;
    return true;
  });
}

std::function<void()> node::call(const std::string &peer_id, remote_call c, std::function<void(outcome)> done) {
  std::string id = new_request_id();
  auto m = impl_;
  {
    std::lock_guard lock(m->mu);
    if (m->stopping) {
      done(make_outcome(outcome_kind::cancelled, RA_UNAVAILABLE, "this process is shutting down"));
      return [] {};
    }
  }
  asio::post(m->io, [m, peer_id, c = std::move(c), done = std::move(done), id]() mutable {
    m->start_call(peer_id, std::move(c), std::move(done), id);
  });
  std::weak_ptr<impl> weak = m;
  return [weak, id] {
    if (auto s = weak.lock()) asio::post(s->io, [s, id] { s->cancel_call(id); });
  };
}

status node::send_event(const std::string &peer_id, event_msg e) {
  if (!valid_event_topic(e.topic)) return invalid_argument("event topic '" + e.topic + "' is malformed");
  if (e.data_json.size() > k_event_max_bytes)
    return invalid_argument("event body of " + std::to_string(e.data_json.size()) + " bytes is over the limit of " +
                            std::to_string(k_event_max_bytes));
  if (peer_id.empty()) return invalid_argument("event without a recipient");
  auto m = impl_;
  {
    std::lock_guard lock(m->mu);
    if (m->stopping) return unavailable("this process is shutting down");
  }
  asio::post(m->io, [m, peer_id, body = encode(e)]() mutable { m->send_event_body(peer_id, std::move(body)); });
  return status::ok();
}

void node::announce() {
  auto m = impl_;
  asio::post(m->io, [m] {
    if (m->relay->state() == link::link_state::joined) m->send_info("", false);
  });
}

void node::stop() {
  auto m = impl_;
  if (!m || !m->thread.joinable()) return;
  {
    std::lock_guard lock(m->mu);
    if (m->stopping) return;
    m->stopping = true;
  }
  // Shared: if the link reports "closed" late (after the bounded wait below), it must not touch a
  // promise that is gone.
  auto closed = std::make_shared<std::promise<void>>();
  auto fut = closed->get_future();
  asio::post(m->io, [m, closed] {
    for (auto &[id, p] : m->pending) {
      if (p->deadline) p->deadline->cancel();
      p->done(make_outcome(outcome_kind::cancelled, RA_UNAVAILABLE, "this process is shutting down"));
    }
    m->pending.clear();
    for (auto &[id, r] : m->running)
      if (r.cancel) r.cancel();
    m->prune_timer->cancel();
    m->relay->stop([closed] { closed->set_value(); });
  });
  // A relay that does not answer the close must not hold the process: bounded wait.
  fut.wait_for(std::chrono::seconds(3));
  m->guard.reset();
  m->io.stop();
  m->thread.join();
}

}  // namespace ra::peer
