#include "ws_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <chrono>
#include <memory>
#include <optional>

#include "frame_handler.hpp"
#include "frames.hpp"
#include "wire/close.hpp"
#include "wire/codec.hpp"

namespace ra::relay {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using clock = std::chrono::steady_clock;

// How long a close may take once decided: queued frames, then the close handshake. A peer that
// stops reading would otherwise hold its connection open forever.
constexpr auto k_close_grace = std::chrono::seconds(5);
constexpr size_t k_keep_buffer = 64 * 1024;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

outbound_queue::budget queue_budget(const config &cfg) {
  // At least two of the largest frames, so one big deliver never starves the next.
  return {1024, std::max<size_t>(16u << 20, 2 * cfg.max_frame)};
}

template <class Stream>
class ws_session final : public peer_link,
                         public tracked_session,
                         public std::enable_shared_from_this<ws_session<Stream>> {
 public:
  ws_session(server_context &ctx, Stream &&stream, const wire::routing_id &room)
      : ctx_(ctx),
        ws_(std::move(stream)),
        room_(room),
        // A join storm may queue a peer_joined from every other peer at once.
        out_(queue_budget(ctx.cfg), 2 * ctx.cfg.max_peers),
        timer_(ws_.get_executor()) {
    ctx_.sessions.add(this);
  }
  ~ws_session() override { ctx_.sessions.remove(this); }

  void start(upgrade_request req) {
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream keeps its own timers now
    websocket::stream_base::timeout t{};
    t.handshake_timeout = k_close_grace;  // the upgrade response and the close handshake
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type &res) { res.set(beast::http::field::server, server_header()); }));
    ws_.read_message_max(wire::k_max_hello_frame);
    ws_.binary(true);
    ws_.auto_fragment(false);
    // WebSocket ping/pong/close frames count as activity (PROTOCOL.md §4).
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { last_activity_ = clock::now(); });
    last_activity_ = clock::now();
    hello_deadline_ = last_activity_ + std::chrono::milliseconds(ctx_.cfg.hello_timeout_ms);
    arm_timer(hello_deadline_);
    ws_.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  bool push(shared_frame frame, bool droppable) override {
    if (closing_ || done_) return false;
    switch (out_.push(std::move(frame), droppable)) {
      case outbound_queue::verdict::queued:
        write_next();
        return true;
      case outbound_queue::verdict::dropped:
        return false;
      case outbound_queue::verdict::overflow:
        // Called from inside the registry: leave later, from a handler of our own.
        begin_close(1013, "outbound queue overflow: reading too slowly");
        asio::post(ws_.get_executor(), [self = this->shared_from_this()] { self->leave_lost(); });
        return false;
    }
    return false;
  }

  void close(uint16_t code, std::string_view reason) override { begin_close(code, reason); }

  void on_shutdown() override { begin_close(1001, "relay shutting down"); }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return finish();
    accepted_ = true;
    read();
    write_next();  // a close decided during the upgrade (shutdown, hello timeout) goes out now
  }

  void read() {
    ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return finish();
    last_activity_ = clock::now();
    if (!closing_) on_message();
    in_.consume(in_.size());
    // One large frame should not pin a max_frame buffer for the life of the connection.
    if (in_.capacity() > k_keep_buffer) in_.shrink_to_fit();
    // Once closing, async_close does the reading: it waits for the peer's close frame (which may
    // already be buffered right behind a bye) and then tears the connection down. A read of our
    // own issued alongside it would compete for that frame and could leave both waiting until
    // the grace timer (seen as a 3 s stall in every CLI that said bye).
    if (!closing_) read();
  }

  void on_message() {
    if (!ws_.got_binary()) return fail({1003, "binary frames only"});
    auto data = in_.cdata();
    std::span<const uint8_t> bytes(static_cast<const uint8_t *>(data.data()), data.size());
    auto f = wire::decode(bytes, ctx_.rooms.limits());
    if (!f) return fail(wire::close_for(f.error()));
    if (!member_) return on_hello(*f);
    if (auto c = handle_frame(ctx_.rooms, *member_, *f, bytes.size(), last_activity_)) fail(*c);
  }

  void on_hello(const wire::frame &f) {
    const auto *h = std::get_if<wire::hello>(&f);
    if (!h) return fail(close_before_hello(f));
    auto outcome = ctx_.rooms.join(this->shared_from_this(), room_, *h, clock::now(), wall_ms());
    if (auto *r = std::get_if<refused>(&outcome)) {
      wire::join_refused jr{r->reason, r->text};
      spdlog::debug("hello refused: {}", r->text);
      if (auto frame = make_frame(jr, ctx_.rooms.limits())) out_.push(std::move(frame), false);
      auto c = wire::close_for(jr);
      return begin_close(c.code, c.reason);
    }
    member_ = std::get<std::shared_ptr<member>>(std::move(outcome));
    ws_.read_message_max(ctx_.cfg.max_frame);
    if (ctx_.cfg.idle_timeout_s > 0) {
      arm_timer(last_activity_ + idle_timeout());
    } else {
      timer_.cancel();
    }
  }

  std::chrono::seconds idle_timeout() const { return std::chrono::seconds(ctx_.cfg.idle_timeout_s); }

  // Ends the connection on our initiative: the others learn the peer was lost.
  void fail(const wire::close_reason &c) {
    leave_lost();
    begin_close(c.code, c.reason);
  }

  void leave_lost() {
    if (member_) ctx_.rooms.leave(*member_, wire::leave_reason::lost);
  }

  // The close frame goes out after everything already queued (a join_refused or a bye).
  void begin_close(uint16_t code, std::string_view reason) {
    if (closing_ || done_) return;
    closing_ = true;
    close_ = websocket::close_reason(static_cast<websocket::close_code>(code), wire::clip_reason(reason));
    spdlog::debug("closing {}: {} {}", member_ ? member_->peer_id : std::string("unjoined connection"), code,
                  close_.reason.c_str());
    arm_timer(clock::now() + k_close_grace);
    write_next();
  }

  void write_next() {
    // The upgrade response is a write of its own: nothing may overlap it.
    if (writing_ || done_ || !accepted_) return;
    if (!out_.empty()) {
      writing_ = true;
      ws_.async_write(asio::buffer(*out_.front()),
                      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_write(ec); });
    } else if (closing_ && !close_sent_) {
      writing_ = close_sent_ = true;
      ws_.async_close(close_, [self = this->shared_from_this()](beast::error_code) {
        self->writing_ = false;
        self->finish();  // the handshake is over (or failed): nothing more to do on this connection
      });
    }
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) return finish();
    out_.pop();
    write_next();
  }

  void arm_timer(clock::time_point at) {
    timer_.expires_at(at);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->on_timer();
    });
  }

  void on_timer() {
    if (done_) return;
    const auto now = clock::now();
    if (closing_) {
      beast::get_lowest_layer(ws_).close();  // the grace is over: every pending operation fails
      return;
    }
    if (!member_) {
      if (now >= hello_deadline_) return fail({1008, "no hello"});
      return arm_timer(hello_deadline_);
    }
    if (ctx_.cfg.idle_timeout_s == 0) return;
    // Activity only moves last_activity_; the timer re-arms itself from it instead of being reset
    // on every message.
    if (now - last_activity_ >= idle_timeout()) return fail({1001, "idle timeout"});
    arm_timer(last_activity_ + idle_timeout());
  }

  void finish() {
    if (done_) return;
    done_ = true;
    leave_lost();
    timer_.cancel();  // the queue stays: a write in flight still points into its front frame
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  server_context &ctx_;
  websocket::stream<Stream> ws_;
  wire::routing_id room_;
  beast::flat_buffer in_;
  outbound_queue out_;
  asio::steady_timer timer_;
  std::shared_ptr<member> member_;
  clock::time_point last_activity_, hello_deadline_;
  websocket::close_reason close_;
  bool accepted_ = false, writing_ = false, closing_ = false, close_sent_ = false, done_ = false;
};

template <class Stream>
void start(server_context &ctx, Stream &&stream, const wire::routing_id &room, upgrade_request req) {
  std::make_shared<ws_session<Stream>>(ctx, std::move(stream), room)->start(std::move(req));
}

}  // namespace

void start_ws_session(server_context &ctx, plain_stream stream, const wire::routing_id &room, upgrade_request req) {
  start(ctx, std::move(stream), room, std::move(req));
}

void start_ws_session(server_context &ctx, tls_stream stream, const wire::routing_id &room, upgrade_request req) {
  start(ctx, std::move(stream), room, std::move(req));
}

}  // namespace ra::relay
