// link/link.cpp — the relay link's state machine (README.md beside this file has the picture).
//
// Everything below runs on one strand of the caller's io_context, except send(), stop() and the
// state queries, which take `mu` for the little they share with it (state, outbound queue, limits).
// Each dial makes a new `connection`; handlers carry it and drop their work unless it is still the
// current one, so a late completion from an old connection (a close, a replaced socket, a timer)
// can never act on its successor.
#include "link/link.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/websocket/error.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <random>

#include "link/transport.hpp"
#include "wire/close.hpp"
#include "wire/codec.hpp"
#include "wire/routing_id.hpp"

namespace ra::link {

namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;
using detail::error_code;
using std::chrono::milliseconds;

// The outbound queue bounds memory when the relay (or the network) is slower than the callers: a
// burst beyond it is refused with RA_RESOURCE_EXHAUSTED rather than buffered without limit.
constexpr size_t k_max_queued_frames = 4096;
constexpr size_t k_max_queued_bytes = 64 * 1024 * 1024;

std::string ms_text(milliseconds d) { return std::to_string(d.count()) + " ms"; }

// Reasons are one printable line (link.hpp): relay texts are printable already, system messages
// almost always.
std::string one_line(std::string s) {
  for (char &c : s) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return s;
}

// A ping's nonce is its send time, so the pong gives the round-trip time.
uint64_t now_us() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(steady::now().time_since_epoch()).count());
}

struct out_frame {
  std::vector<uint8_t> head;     // the whole frame, or a send's frame minus its payload
  std::vector<uint8_t> payload;  // a send's payload, written after `head` without a copy
  bool is_bye = false;           // the last frame of stop(): the closing handshake follows it
  size_t size() const { return head.size() + payload.size(); }
};

struct connection {
  uint64_t gen = 0;
  std::shared_ptr<detail::transport> t;
  boost::beast::flat_buffer rx;
  wire::limits lim;      // the protocol caps until the welcome, then the welcome's
  bool open = false;     // the WebSocket is up, so a closing handshake is possible
  bool joined = false;   // the welcome arrived
  bool writing = false;  // one write at a time (Beast's rule)
  bool closing = false;  // our closing handshake is under way
  out_frame current;     // the frame being written; owned here until the write completes
  steady::time_point joined_at{};
  steady::time_point last_rx{};
  std::optional<std::string> bye;  // the relay's bye, "<code> <text>": explains the close that follows
};

}  // namespace

struct link::impl : std::enable_shared_from_this<link::impl> {
  impl(asio::io_context &io, link_options o, link_events e, relay_url u, std::vector<uint8_t> hello_frame,
       std::unique_ptr<asio::ssl::context> tls_ctx)
      : opts(std::move(o)),
        events(std::move(e)),
        url(std::move(u)),
        hello(std::move(hello_frame)),
        tls(std::move(tls_ctx)),
        strand(asio::make_strand(io)),
        handshake_timer(strand),
        ping_timer(strand),
        dead_timer(strand),
        backoff_timer(strand),
        stop_timer(strand),
        rng(std::random_device{}()) {
    topts.host = url.host;
    topts.port = url.port;
    topts.target = url.prefix + "/ws/room/" + opts.routing_id_hex;
    topts.close_timeout = opts.handshake_timeout;
    topts.tls = tls.get();
    topts.tls_verify = opts.tls_verify;
  }

  // ---- fixed at create() ----
  const link_options opts;
  const link_events events;
  const relay_url url;
  const std::vector<uint8_t> hello;  // encoded once; it holds the access token, so never logged
  const std::unique_ptr<asio::ssl::context> tls;
  detail::transport_options topts;
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer handshake_timer, ping_timer, dead_timer, backoff_timer, stop_timer;
  std::mt19937_64 rng;  // jitter only; nothing secret

  // ---- shared with send()/state()/max_payload() on any thread, under mu ----
  mutable std::mutex mu;
  link_state state_ = link_state::idle;
  std::deque<out_frame> out;  // frames of the current connection, waiting for the writer
  size_t out_bytes = 0;
  wire::limits lim;        // the current welcome's limits
  size_t max_payload = 0;  // 0 until the first welcome
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> events_on{true};  // false once the owner destroyed the link

  // ---- strand only ----
  std::shared_ptr<connection> conn;
  uint64_t gen = 0;
  uint64_t joins = 0;
  unsigned attempt = 0;
  bool started = false;
  bool stop_started = false;
  bool stop_finished = false;
  std::vector<std::function<void()>> stop_waiters;
  milliseconds ping_every{};

  bool current(const std::shared_ptr<connection> &c) const { return c && conn == c; }

  std::string where() const {
    const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    return std::string(url.tls ? "wss://" : "ws://") + host + ":" + url.port + url.prefix;
  }

  // Runs a user callback unless the link is stopping or its owner is gone. A throwing handler would
  // unwind through io_context::run(); it is a bug in the caller, logged and contained here.
  template <class F, class... A>
  void emit(const char *name, const F &f, A &&...args) {
    if (!f || !events_on || stop_requested) return;
    try {
      f(std::forward<A>(args)...);
    } catch (const std::exception &e) {
      spdlog::error("relay link: {} handler threw: {}", name, e.what());
    } catch (...) {
      spdlog::error("relay link: {} handler threw", name);
    }
  }

  // Leaving `joined` and emptying the queue happen under one lock, so a send() racing a loss can
  // never put a frame of the old connection in front of the next one.
  void leave(link_state next) {
    std::lock_guard lk(mu);
    out.clear();
    out_bytes = 0;
    if (state_ != link_state::stopped) state_ = next;
  }

  void cancel_timers() {
    handshake_timer.cancel();
    ping_timer.cancel();
    dead_timer.cancel();
  }

  // ---- dialling and the handshake ----

  void dial() {
    if (stop_requested) return;
    auto c = std::make_shared<connection>();
    c->gen = ++gen;
    c->t = detail::make_transport(strand, topts);
    conn = c;
    leave(link_state::connecting);
    std::weak_ptr<connection> weak = c;
    c->t->on_control([weak] {
      if (auto alive = weak.lock()) alive->last_rx = steady::now();
    });
    spdlog::debug("relay link: dialling {} (connection attempt {})", where(), c->gen);

    handshake_timer.expires_after(opts.handshake_timeout);
    handshake_timer.async_wait([self = shared_from_this(), c](error_code ec) {
      if (ec || !self->current(c) || c->joined) return;
      self->lost(c, "handshake with the relay timed out after " + ms_text(self->opts.handshake_timeout),
                 wire::retry::backoff);
    });

    c->t->async_open([self = shared_from_this(), c](error_code ec) {
      if (!self->current(c)) return;
      if (ec) return self->lost(c, c->t->describe_open_error(ec), wire::retry::backoff);
      c->open = true;
      // The welcome is decoded under the protocol caps (PROTOCOL.md §4); its own limits come next.
      c->t->set_read_limit(wire::k_default_max_frame);
      c->writing = true;
      c->current.head = self->hello;
      c->t->async_write({asio::buffer(c->current.head), asio::const_buffer()}, [self, c](error_code ec, size_t) {
        c->writing = false;
        c->current = {};
        if (!self->current(c)) return;
        if (ec) return self->lost(c, "sending the hello failed: " + ec.message(), wire::retry::backoff);
        self->read_next(c);
      });
    });
  }

  void on_welcome(const std::shared_ptr<connection> &c, const wire::welcome &w) {
    if (w.peer_id != opts.peer_id) {
      // Our envelopes carry our id as their sender; under another id every receiver would drop them.
      return violation(c, wire::close_code::protocol_error,
                       "relay welcomed us as '" + std::string(w.peer_id) + "', not as " + opts.peer_id,
                       wire::retry::slow);
    }
    handshake_timer.cancel();
    c->joined = true;
    c->joined_at = steady::now();
    c->lim = wire::limits{w.max_frame, w.max_peers};
    c->t->set_read_limit(w.max_frame);

    joined_info info;
    info.self_id = std::string(w.peer_id);
    info.peers.assign(w.peers.begin(), w.peers.end());
    info.max_frame = w.max_frame;
    info.max_payload = wire::max_payload(c->lim);
    info.max_peers = w.max_peers;
    info.idle_timeout_s = w.idle_timeout_s;
    info.connection_number = ++joins;
    {
      std::lock_guard lk(mu);
      if (state_ != link_state::stopped) state_ = link_state::joined;
      lim = c->lim;
      max_payload = info.max_payload;
    }

    // Ping often enough that the relay's idle timer never fires (PROTOCOL.md §4).
    ping_every = opts.ping_interval;
    if (w.idle_timeout_s != 0) {
      ping_every = std::min(ping_every, milliseconds(uint64_t{w.idle_timeout_s} * 1000 / 3));
    }
    ping_every = std::max(ping_every, milliseconds(1));
    spdlog::info(
        "relay link: joined room {} at {} as {} (connection {}, {} other peers, max frame {} bytes, "
        "idle timeout {} s)",
        opts.routing_id_hex, where(), opts.peer_id, info.connection_number, info.peers.size(), info.max_frame,
        info.idle_timeout_s);
    arm_ping(c);
    arm_dead(c);
    emit("on_joined", events.on_joined, info);
    pump(c);
  }

  void on_refused(const std::shared_ptr<connection> &c, const wire::join_refused &r) {
    // The relay closes next with the code that goes with the refusal; its advice sets the pace.
    const auto close = wire::close_for(r);
    auto pace = wire::retry_after(close.code);
    if (pace == wire::retry::none) pace = wire::retry::slow;
    std::string reason = std::string("relay refused the join: ") + wire::refusal_name(r.reason) + " (" +
                         std::to_string(static_cast<uint16_t>(r.reason)) + ")";
    if (!r.text.empty()) reason += ": " + std::string(r.text);
    // peer_id_in_use would want a new id, but the id is fixed for the process (link.hpp): keep
    // knocking slowly; the holder's connection ends sooner or later.
    lost(c, reason, pace);
  }

  // ---- reading ----

  void read_next(const std::shared_ptr<connection> &c) {
    c->t->async_read(c->rx, [self = shared_from_this(), c](error_code ec, size_t) { self->on_read(c, ec); });
  }

  void on_read(const std::shared_ptr<connection> &c, error_code ec) {
    if (!current(c)) return;
    if (ec) return on_read_error(c, ec);
    c->last_rx = steady::now();
    if (c->t->got_text()) {
      return violation(c, wire::close_code::unsupported_data, "relay sent a text message", wire::retry::backoff);
    }
    const auto data = c->rx.cdata();
    auto f = wire::decode(std::span<const uint8_t>(static_cast<const uint8_t *>(data.data()), data.size()), c->lim);
    if (!f) {
      const auto close = wire::close_for(f.error());
      return violation(c, static_cast<wire::close_code>(close.code), "relay sent a bad frame: " + f.error().message(),
                       wire::retry::backoff);
    }
    handle(c, *f);  // the frame's views point into c->rx: consumed only afterwards
    c->rx.consume(c->rx.size());
    if (current(c)) read_next(c);
  }

  void on_read_error(const std::shared_ptr<connection> &c, error_code ec) {
    namespace websocket = boost::beast::websocket;
    if (ec == websocket::error::closed) {
      const uint16_t code = c->t->close_code();
      std::string text = c->t->close_text();
      std::string reason = "relay closed the connection (" + std::to_string(code);
      if (!text.empty()) reason += " " + text;
      reason += ")";
      if (c->bye) reason += " after bye (" + *c->bye + ")";
      // 4000 (replaced) means "this process has a newer connection", which the link would know:
      // its single connection is the current one. So it is a plain loss here.
      auto pace = wire::retry_after(code);
      if (pace == wire::retry::none) pace = wire::retry::backoff;
      return lost(c, reason, pace);
    }
    if (ec == websocket::error::message_too_big) {
      // Beast has already closed with 1009.
      return lost(c, "relay sent a message over the " + std::to_string(c->lim.max_frame) + "-byte frame limit",
                  wire::retry::backoff, std::nullopt, spdlog::level::err);
    }
    lost(c, "connection to the relay lost: " + ec.message(), wire::retry::backoff);
  }

  void handle(const std::shared_ptr<connection> &c, const wire::frame &f) {
    const auto type = wire::type_of(f);
    if (!wire::relay_may_send(type)) {
      return violation(c, wire::close_code::protocol_error,
                       std::string("relay sent a ") + wire::type_name(type) + " frame, which only peers send",
                       wire::retry::backoff);
    }
    if (type == wire::frame_type::bye) {
      const auto &b = std::get<wire::bye>(f);
      c->bye = std::to_string(b.close_code) + (b.text.empty() ? "" : " " + std::string(b.text));
      spdlog::info("relay link: relay said bye ({})", *c->bye);
      return;  // its close follows; the read that gets it ends the connection
    }
    if (!c->joined) {
      if (type == wire::frame_type::welcome) return on_welcome(c, std::get<wire::welcome>(f));
      if (type == wire::frame_type::join_refused) return on_refused(c, std::get<wire::join_refused>(f));
      return violation(c, wire::close_code::protocol_error,
                       std::string("relay sent ") + wire::type_name(type) + " before the welcome",
                       wire::retry::backoff);
    }
    switch (type) {
      case wire::frame_type::peer_joined: {
        const auto &p = std::get<wire::peer_joined>(f);
        spdlog::debug("relay link: peer {} joined", p.peer_id);
        return emit("on_peer_joined", events.on_peer_joined, std::string(p.peer_id));
      }
      case wire::frame_type::peer_left: {
        const auto &p = std::get<wire::peer_left>(f);
        spdlog::debug("relay link: peer {} left", p.peer_id);
        return emit("on_peer_left", events.on_peer_left, std::string(p.peer_id), p.reason);
      }
      case wire::frame_type::deliver: {
        const auto &d = std::get<wire::deliver>(f);
        return emit("on_deliver", events.on_deliver, std::string(d.from),
                    std::vector<uint8_t>(d.payload.begin(), d.payload.end()));
      }
      case wire::frame_type::ping:
        return queue_control(c, wire::pong{std::get<wire::ping>(f).nonce});
      case wire::frame_type::pong: {
        const uint64_t sent = std::get<wire::pong>(f).nonce, now = now_us();
        if (sent <= now) spdlog::trace("relay link: ping round trip {:.1f} ms", static_cast<double>(now - sent) / 1000);
        return;
      }
      case wire::frame_type::error: {
        const auto &e = std::get<wire::error>(f);
        spdlog::debug("relay link: relay error {} ({}){}{}", wire::error_code_name(e.code),
                      static_cast<uint16_t>(e.code), e.peer_id.empty() ? "" : " about peer ", e.peer_id);
        return emit("on_relay_error", events.on_relay_error, e.code, std::string(e.peer_id));
      }
      default:
        return violation(c, wire::close_code::protocol_error,
                         std::string("relay sent a second ") + wire::type_name(type), wire::retry::backoff);
    }
  }

  // ---- writing ----

  void queue_control(const std::shared_ptr<connection> &c, const wire::frame &f) {
    if (stop_started) return;  // nothing may follow the bye
    out_frame o;
    if (auto s = wire::encode_to(f, o.head, c->lim); !s) {
      spdlog::error("relay link: cannot encode a {} frame: {}", wire::type_name(wire::type_of(f)), s.message());
      return;
    }
    {
      std::lock_guard lk(mu);
      out_bytes += o.size();
      out.push_back(std::move(o));
    }
    pump(c);
  }

  void pump(const std::shared_ptr<connection> &c) {
    if (!current(c) || !c->joined || c->writing || c->closing) return;
    {
      std::lock_guard lk(mu);
      if (out.empty()) return;
      c->current = std::move(out.front());
      out.pop_front();
      out_bytes -= c->current.size();
    }
    c->writing = true;
    c->t->async_write({asio::buffer(c->current.head), asio::buffer(c->current.payload)},
                      [self = shared_from_this(), c](error_code ec, size_t) {
                        c->writing = false;
                        const bool was_bye = c->current.is_bye;
                        c->current = {};
                        if (!self->current(c)) return;
                        if (ec)
                          return self->lost(c, "sending to the relay failed: " + ec.message(), wire::retry::backoff);
                        if (was_bye) return self->close_after_bye(c);
                        self->pump(c);
                      });
  }

  // ---- timers ----

  void arm_ping(const std::shared_ptr<connection> &c) {
    ping_timer.expires_after(ping_every);
    ping_timer.async_wait([self = shared_from_this(), c](error_code ec) {
      if (ec || !self->current(c)) return;
      self->queue_control(c, wire::ping{now_us()});
      self->arm_ping(c);
    });
  }

  // Fires at last_rx + dead_after; anything received since moves the deadline, so the timer is
  // re-armed instead of being reset on every message.
  void arm_dead(const std::shared_ptr<connection> &c) {
    dead_timer.expires_at(c->last_rx + opts.dead_after);
    dead_timer.async_wait([self = shared_from_this(), c](error_code ec) {
      if (ec || !self->current(c)) return;
      if (steady::now() - c->last_rx >= self->opts.dead_after) {
        return self->lost(c, "nothing heard from the relay for " + ms_text(self->opts.dead_after),
                          wire::retry::backoff);
      }
      self->arm_dead(c);
    });
  }

  // ---- loss and redial ----

  void violation(const std::shared_ptr<connection> &c, wire::close_code code, const std::string &text,
                 wire::retry pace) {
    lost(c, "protocol error: " + text, pace, wire::close_reason{static_cast<uint16_t>(code), wire::clip_reason(text)},
         spdlog::level::err);
  }

  // The current connection is over. `ours`: close with it (best effort) rather than just drop.
  void lost(const std::shared_ptr<connection> &c, const std::string &why, wire::retry pace,
            std::optional<wire::close_reason> ours = std::nullopt,
            std::optional<spdlog::level::level_enum> level = std::nullopt) {
    if (!current(c)) return;
    cancel_timers();
    conn.reset();
    if (stop_requested) {
      // Stopping: no redial, no on_disconnected. A closing handshake under way finishes the stop.
      leave(link_state::stopped);
      if (!c->closing) {
        c->t->abort();
        if (stop_started) finish_stop();
      }
      return;
    }
    leave(link_state::backing_off);
    teardown(c, ours);

    const bool stable = c->joined && steady::now() - c->joined_at >= opts.stable_after;
    if (stable) attempt = 0;
    const milliseconds delay = pace == wire::retry::slow
                                   ? opts.backoff_max
                                   : backoff_delay(attempt, opts.backoff_min, opts.backoff_max, rng());
    attempt = std::min(attempt + 1, 64u);

    const std::string reason = one_line(why);
    spdlog::log(level.value_or(pace == wire::retry::slow ? spdlog::level::err : spdlog::level::warn),
                "relay link: {}; retrying in {}", reason, ms_text(delay));
    backoff_timer.expires_after(delay);
    backoff_timer.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->dial();
    });
    emit("on_disconnected", events.on_disconnected, reason, delay);
  }

  void teardown(const std::shared_ptr<connection> &c, const std::optional<wire::close_reason> &ours) {
    if (ours && c->open && !c->writing && !c->closing) {
      c->closing = true;  // Beast bounds the closing handshake by close_timeout
      c->t->async_close(ours->code, ours->reason, [c](error_code) { c->t->abort(); });
      return;
    }
    c->t->abort();
  }

  // ---- stop ----

  void request_stop(std::function<void()> done) {
    stop_requested = true;
    {
      std::lock_guard lk(mu);
      state_ = link_state::stopped;  // send() refuses from now on
    }
    asio::post(strand,
               [self = shared_from_this(), done = std::move(done)]() mutable { self->do_stop(std::move(done)); });
  }

  void do_stop(std::function<void()> done) {
    if (done) stop_waiters.push_back(std::move(done));
    if (stop_finished) return run_stop_waiters();
    if (stop_started) return;
    stop_started = true;
    backoff_timer.cancel();
    cancel_timers();
    auto c = conn;
    if (c && c->joined && !c->closing) {
      // Frames already queued go first, then bye, then the closing handshake (PROTOCOL.md bye).
      spdlog::info("relay link: stopping; saying bye to the relay");
      out_frame bye;
      bye.is_bye = true;
      (void)wire::encode_to(wire::bye{1000, "bye"}, bye.head, c->lim);
      {
        std::lock_guard lk(mu);
        out_bytes += bye.size();
        out.push_back(std::move(bye));
      }
      stop_timer.expires_after(opts.handshake_timeout);
      stop_timer.async_wait([self = shared_from_this(), c](error_code ec) {
        if (ec || self->stop_finished) return;
        spdlog::warn("relay link: the relay did not complete the close within {}",
                     ms_text(self->opts.handshake_timeout));
        c->t->abort();
        self->finish_stop();
      });
      return pump(c);
    }
    if (c) {
      conn.reset();
      c->t->abort();
    }
    finish_stop();
  }

  void close_after_bye(const std::shared_ptr<connection> &c) {
    c->closing = true;
    c->t->async_close(1000, "bye", [self = shared_from_this(), c](error_code) {
      c->t->abort();
      self->finish_stop();
    });
  }

  void finish_stop() {
    if (stop_finished) return;
    stop_finished = true;
    backoff_timer.cancel();
    stop_timer.cancel();
    cancel_timers();
    if (conn) {
      conn->t->abort();
      conn.reset();
    }
    leave(link_state::stopped);
    spdlog::info("relay link: stopped");
    run_stop_waiters();
  }

  void run_stop_waiters() {
    auto waiters = std::move(stop_waiters);
    stop_waiters.clear();
    for (auto &w : waiters) w();
  }

  // ---- any thread ----

  status send(std::vector<std::string> to, std::vector<uint8_t> payload) {
    const std::vector<std::string_view> ids(to.begin(), to.end());
    {
      std::lock_guard lk(mu);
      if (state_ != link_state::joined) return unavailable("not joined to the relay");
      if (payload.size() > max_payload) {
        return {RA_RESOURCE_EXHAUSTED, "payload of " + std::to_string(payload.size()) +
                                           " bytes exceeds the relay's limit of " + std::to_string(max_payload)};
      }
      out_frame f;
      if (auto s = wire::encode_head(wire::send{ids, payload}, f.head, lim); !s) return s;
      const size_t size = f.head.size() + payload.size();
      if (out.size() >= k_max_queued_frames || (!out.empty() && out_bytes + size > k_max_queued_bytes)) {
        return {RA_RESOURCE_EXHAUSTED, "outbound queue to the relay is full (" + std::to_string(out.size()) +
                                           " frames, " + std::to_string(out_bytes) + " bytes waiting)"};
      }
      f.payload = std::move(payload);
      out_bytes += size;
      out.push_back(std::move(f));
    }
    asio::post(strand, [self = shared_from_this()] {
      if (self->conn) self->pump(self->conn);
    });
    return status::ok();
  }
};

result<std::unique_ptr<link>> link::create(boost::asio::io_context &io, link_options options, link_events events) {
  auto url = parse_relay_url(options.relay_url);
  if (!url) return url.error();
  const auto room = wire::parse_routing_id(options.routing_id_hex);
  if (!room) return invalid_argument("relay routing id must be 64 hex digits");
  options.routing_id_hex = wire::to_hex(*room);  // the canonical lower-case form, as the relay keys rooms
  if (!wire::valid_peer_id(options.peer_id)) return invalid_argument("relay peer id must be 1..64 visible ASCII bytes");
  if (options.access_token.size() > wire::k_max_token) {
    return invalid_argument("relay access token is longer than " + std::to_string(wire::k_max_token) + " bytes");
  }
  const milliseconds zero{0};
  if (options.ping_interval <= zero || options.handshake_timeout <= zero || options.dead_after <= zero ||
      options.backoff_min <= zero || options.stable_after < zero) {
    return invalid_argument("relay link timings must be positive");
  }
  if (options.backoff_max < options.backoff_min) {
    return invalid_argument("relay link backoff maximum is below its minimum");
  }

  wire::hello h;
  h.room = *room;
  h.resume = options.resume;
  h.peer_id = options.peer_id;
  h.access_token = std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(options.access_token.data()),
                                            options.access_token.size());
  auto hello = wire::encode(h);
  if (!hello) return hello.error();

  std::unique_ptr<asio::ssl::context> tls;
  if (url->tls) {
    try {
      tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    } catch (const std::exception &e) {
      return internal_error(std::string("cannot create a TLS context: ") + e.what());
    }
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    error_code ec;
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression, ec);
    if (options.tls_verify) {
      if (!options.ca_file.empty()) {
        tls->load_verify_file(options.ca_file, ec);
        if (ec) return invalid_argument("cannot load relay CA file " + options.ca_file + ": " + ec.message());
      } else {
        tls->set_default_verify_paths(ec);
        if (ec) return internal_error("cannot load the system's trusted certificates: " + ec.message());
      }
    }
  }

  auto p = std::make_shared<impl>(io, std::move(options), std::move(events), std::move(*url), std::move(*hello),
                                  std::move(tls));
  return std::unique_ptr<link>(new link(std::move(p)));
}

link::link(std::shared_ptr<impl> p) : impl_(std::move(p)) {}

link::~link() {
  // Handlers hold the impl, so it outlives this object; the owner's callbacks must not be called
  // once it is gone.
  impl_->events_on = false;
  impl_->request_stop({});
}

void link::start() {
  asio::post(impl_->strand, [self = impl_] {
    if (self->started || self->stop_requested) return;
    self->started = true;
    if (self->url.tls && !self->opts.tls_verify) {
      spdlog::warn("relay link: TLS certificate verification is off for {}", self->where());
    }
    spdlog::info("relay link: connecting to {} for room {} as {}", self->where(), self->opts.routing_id_hex,
                 self->opts.peer_id);
    self->dial();
  });
}

status link::send(std::vector<std::string> to, std::vector<uint8_t> payload) {
  return impl_->send(std::move(to), std::move(payload));
}

void link::stop(std::function<void()> done) { impl_->request_stop(std::move(done)); }

link_state link::state() const {
  std::lock_guard lk(impl_->mu);
  return impl_->state_;
}

size_t link::max_payload() const {
  std::lock_guard lk(impl_->mu);
  return impl_->max_payload;
}

}  // namespace ra::link
