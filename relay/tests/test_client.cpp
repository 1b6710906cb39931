#include "test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace ra::relay::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using plain_ws = websocket::stream<beast::tcp_stream>;
using tls_ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

namespace {

// Runs `io` until `done()` or the deadline. False on timeout.
bool run_until(asio::io_context &io, const std::function<bool()> &done, ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    if (io.stopped()) io.restart();
    if (io.run_one_for(deadline - now) == 0 && io.stopped() && !done()) {
      // Nothing left to run: only time passing cannot change done().
      return done();
    }
  }
  return true;
}

void setup_tls(asio::ssl::context &ctx) {
  ctx.set_verify_mode(asio::ssl::verify_none);  // the tests' certificate is self-signed
}

}  // namespace

struct ws_client::impl {
  asio::io_context io;
  asio::ssl::context tls_ctx{asio::ssl::context::tls_client};
  std::unique_ptr<plain_ws> plain;
  std::unique_ptr<tls_ws> tls;
  beast::flat_buffer buf;
  std::deque<message> inbox;
  bool is_closed = false;
  close_info info;

  template <class F>
  void with(F &&f) {
    if (plain) {
      f(*plain);
    } else {
      f(*tls);
    }
  }

  void start_read() {
    with([this](auto &ws) {
      ws.async_read(buf, [this, &ws](beast::error_code ec, size_t) {
        if (ec) {
          is_closed = true;
          info = {static_cast<uint16_t>(ws.reason().code), std::string(ws.reason().reason.c_str())};
          return;
        }
        auto data = buf.cdata();
        const auto *p = static_cast<const uint8_t *>(data.data());
        inbox.push_back({std::vector<uint8_t>(p, p + data.size()), !ws.got_binary()});
        buf.consume(buf.size());
        start_read();
      });
    });
  }

  // Starts one write-like operation and waits for it; on timeout the socket is closed so the
  // operation ends before the variables it refers to go away.
  template <class Start>
  bool wait_op(Start &&start, ms timeout) {
    bool done = false;
    beast::error_code result;
    start([&](beast::error_code ec) {
      done = true;
      result = ec;
    });
    if (!run_until(
            io, [&] { return done; }, timeout)) {
      drop_socket();
      run_until(
          io, [&] { return done; }, 2000ms);
    }
    return done && !result;
  }

  void drop_socket() {
    beast::error_code ignored;
    with([&](auto &ws) { beast::get_lowest_layer(ws).socket().close(ignored); });
  }
};

ws_client::ws_client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

ws_client::~ws_client() {
  if (!impl_) return;
  impl_->drop_socket();
  // Let the pending read see the closed socket, so no handler outlives the client.
  run_until(
      impl_->io, [this] { return impl_->is_closed; }, 1000ms);
}

std::unique_ptr<ws_client> ws_client::connect(const options &o, std::string *error) {
  auto p = std::make_unique<impl>();
  setup_tls(p->tls_ctx);
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), o.port);
  if (o.tls) {
    p->tls = std::make_unique<tls_ws>(p->io, p->tls_ctx);
  } else {
    p->plain = std::make_unique<plain_ws>(p->io);
  }
  bool done = false;
  beast::error_code result;
  websocket::response_type res;
  auto finish = [&](beast::error_code ec) {
    done = true;
    result = ec;
  };
  p->with([&](auto &ws) {
    using ws_t = std::remove_reference_t<decltype(ws)>;
    ws.set_option(websocket::stream_base::timeout{o.timeout, websocket::stream_base::none(), false});
    auto &tcp_layer = beast::get_lowest_layer(ws);
    tcp_layer.async_connect(ep, [&, host = "127.0.0.1:" + std::to_string(o.port)](beast::error_code ec) {
      if (ec) return finish(ec);
      auto upgrade = [&, host]() { ws.async_handshake(res, host, o.path, finish); };
      if constexpr (std::is_same_v<ws_t, tls_ws>) {
        ws.next_layer().async_handshake(asio::ssl::stream_base::client, [&, upgrade](beast::error_code e) {
          if (e) return finish(e);
          upgrade();
        });
      } else {
        upgrade();
      }
    });
  });
  if (!run_until(
          p->io, [&] { return done; }, o.timeout) ||
      result) {
    if (error) {
      *error = !done                   ? "timeout"
               : res.result_int() != 0 ? "HTTP " + std::to_string(res.result_int())
                                       : result.message();
    }
    if (!done) {
      p->drop_socket();
      run_until(
          p->io, [&] { return done; }, 1000ms);
    }
    return nullptr;
  }
  p->start_read();
  return std::unique_ptr<ws_client>(new ws_client(std::move(p)));
}

bool ws_client::send_binary(std::span<const uint8_t> bytes) {
  return impl_->wait_op(
      [&](auto handler) {
        impl_->with([&](auto &ws) {
          ws.binary(true);
          ws.async_write(asio::buffer(bytes.data(), bytes.size()),
                         [handler](beast::error_code ec, size_t) { handler(ec); });
        });
      },
      10000ms);
}

bool ws_client::send_text(std::string_view text) {
  return impl_->wait_op(
      [&](auto handler) {
        impl_->with([&](auto &ws) {
          ws.text(true);
          ws.async_write(asio::buffer(text.data(), text.size()),
                         [handler](beast::error_code ec, size_t) { handler(ec); });
        });
      },
      5000ms);
}

bool ws_client::send(const wire::frame &f) {
  auto bytes = wire::encode(f);
  return bytes && send_binary(*bytes);
}

bool ws_client::send_ws_ping() {
  return impl_->wait_op([&](auto handler) { impl_->with([&](auto &ws) { ws.async_ping({}, handler); }); }, 5000ms);
}

std::optional<message> ws_client::read(ms timeout) {
  run_until(
      impl_->io, [this] { return !impl_->inbox.empty() || impl_->is_closed; }, timeout);
  if (impl_->inbox.empty()) return std::nullopt;
  message m = std::move(impl_->inbox.front());
  impl_->inbox.pop_front();
  return m;
}

std::optional<owned_frame> ws_client::read_frame(ms timeout) {
  auto m = read(timeout);
  if (!m || m->text) return std::nullopt;
  auto bytes = std::make_unique<std::vector<uint8_t>>(std::move(m->bytes));
  auto f = wire::decode(*bytes);
  if (!f) return std::nullopt;
  return owned_frame{std::move(bytes), std::move(*f)};
}

std::optional<close_info> ws_client::wait_close(ms timeout) {
  run_until(
      impl_->io, [this] { return impl_->is_closed; }, timeout);
  if (!impl_->is_closed) return std::nullopt;
  impl_->inbox.clear();
  return impl_->info;
}

bool ws_client::closed() const { return impl_->is_closed; }

void ws_client::close(uint16_t code, std::string_view reason) {
  impl_->wait_op(
      [&](auto handler) {
        impl_->with([&](auto &ws) {
          ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason), handler);
        });
      },
      5000ms);
  run_until(
      impl_->io, [this] { return impl_->is_closed; }, 2000ms);
}

void ws_client::drop() {
  impl_->drop_socket();
  run_until(
      impl_->io, [this] { return impl_->is_closed; }, 1000ms);
}

// ---- HTTP ----------------------------------------------------------------------------------------

namespace {

template <class Stream>
std::optional<http_result> exchange(asio::io_context &io, Stream &stream, http::request<http::empty_body> &req,
                                    ms timeout) {
  bool done = false;
  beast::error_code result;
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::async_write(stream, req, [&](beast::error_code ec, size_t) {
    if (ec) {
      done = true;
      result = ec;
      return;
    }
    http::async_read(stream, buf, res, [&](beast::error_code e, size_t) {
      done = true;
      result = e;
    });
  });
  if (!run_until(
          io, [&] { return done; }, timeout) ||
      result)
    return std::nullopt;
  http_result out{res.result_int(), res.body(), {}};
  for (const auto &field : res) {
    std::string name(field.name_string());
    for (char &c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  return out;
}

}  // namespace

std::optional<http_result> http_request(uint16_t port, std::string_view method, std::string_view target,
                                        std::string_view authorization, bool tls, ms timeout) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  setup_tls(ctx);
  http::request<http::empty_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(beast::string_view(target.data(), target.size()));
  req.version(11);
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.keep_alive(false);
  if (!authorization.empty())
    req.set(http::field::authorization, beast::string_view(authorization.data(), authorization.size()));
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  beast::error_code ec;
  if (!tls) {
    beast::tcp_stream s(io);
    s.expires_after(timeout);
    s.connect(ep, ec);
    if (ec) return std::nullopt;
    return exchange(io, s, req, timeout);
  }
  beast::ssl_stream<beast::tcp_stream> s(io, ctx);
  beast::get_lowest_layer(s).expires_after(timeout);
  beast::get_lowest_layer(s).connect(ep, ec);
  if (ec) return std::nullopt;
  s.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return std::nullopt;
  return exchange(io, s, req, timeout);
}

// ---- The swarm -----------------------------------------------------------------------------------

struct bogus_swarm::impl {
  uint16_t port;
  std::string path;
  size_t cycles;
  asio::io_context io;
  std::atomic<size_t> opened{0};
  std::atomic<size_t> attempts{0};
  std::atomic<bool> stopping{false};
  std::thread thread;
  mutable std::mutex mu;
  mutable std::condition_variable cv;

  // One misbehaving connection. It restarts itself when the relay ends it.
  struct slot : std::enable_shared_from_this<slot> {
    impl &owner;
    size_t kind;
    size_t left;
    bool counted = false;
    std::unique_ptr<plain_ws> ws;
    std::unique_ptr<tcp::socket> raw;
    beast::flat_buffer buf;
    std::vector<uint8_t> frame;
    std::string partial_request;
    slot(impl &o, size_t k, size_t cycles) : owner(o), kind(k), left(cycles) {}

    void count() {
      if (counted) return;
      counted = true;
      {
        std::lock_guard lock(owner.mu);
        ++owner.opened;
      }
      owner.cv.notify_all();
    }
    void again() {
      if (owner.stopping || --left == 0) return;
      // Posted, so the stream whose handler is running is not replaced under it.
      asio::post(owner.io, [self = shared_from_this()] {
        if (!self->owner.stopping) self->start();
      });
    }
    void start() {
      ++owner.attempts;
      const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), owner.port);
      auto self = shared_from_this();
      if (kind == 3) {  // a request line that never ends: the relay must time it out
        raw = std::make_unique<tcp::socket>(owner.io);
        raw->async_connect(ep, [self](beast::error_code ec) {
          if (ec) return self->again();
          self->partial_request = "GET /ws/room/";
          asio::async_write(*self->raw, asio::buffer(self->partial_request), [self](beast::error_code e, size_t) {
            if (e) return self->again();
            self->count();
            self->raw->async_read_some(asio::buffer(self->buf.prepare(512)),
                                       [self](beast::error_code, size_t) { self->again(); });
          });
        });
        return;
      }
      ws = std::make_unique<plain_ws>(owner.io);
      beast::get_lowest_layer(*ws).async_connect(ep, [self](beast::error_code ec) {
        if (ec) return self->again();
        self->ws->async_handshake("127.0.0.1", self->owner.path, [self](beast::error_code e) {
          if (e) return self->again();
          self->misbehave();
        });
      });
    }
    void misbehave() {
      auto self = shared_from_this();
      count();
      auto wait_for_close = [self] {
        self->buf.consume(self->buf.size());
        self->ws->async_read(self->buf, [self](beast::error_code e, size_t) {
          if (!e) return self->misbehave_read_more();
          self->again();
        });
      };
      if (kind == 0) return wait_for_close();  // no hello at all
      if (kind == 1) {
        frame = {'G', 'E', 'T', ' ', '/', 0, 1, 2};  // not "RA"
      } else {
        wire::hello h;
        h.room.fill(0x5a);
        const std::string_view wrong = "not-the-token";
        h.access_token = {reinterpret_cast<const uint8_t *>(wrong.data()), wrong.size()};
        frame = wire::encode(h).value();
      }
      ws->binary(true);
      ws->async_write(asio::buffer(frame), [self, wait_for_close](beast::error_code e, size_t) {
        if (e) return self->again();
        wait_for_close();
      });
    }
    void misbehave_read_more() {  // a join_refused arrives before the close: keep reading
      auto self = shared_from_this();
      buf.consume(buf.size());
      ws->async_read(buf, [self](beast::error_code e, size_t) {
        if (!e) return self->misbehave_read_more();
        self->again();
      });
    }
  };
  std::vector<std::shared_ptr<slot>> slots;
};

bogus_swarm::bogus_swarm(uint16_t port, std::string path, size_t count, size_t cycles)
    : impl_(std::make_unique<impl>()) {
  impl_->port = port;
  impl_->path = std::move(path);
  impl_->cycles = cycles;
  for (size_t i = 0; i < count; ++i) {
    impl_->slots.push_back(std::make_shared<impl::slot>(*impl_, i % 4, cycles));
    impl_->slots.back()->start();
  }
  impl_->thread = std::thread([p = impl_.get()] {
    auto guard = asio::make_work_guard(p->io);
    while (!p->stopping) p->io.run_for(100ms);
  });
}

bogus_swarm::~bogus_swarm() { stop(); }

size_t bogus_swarm::opened() const { return impl_->opened; }

size_t bogus_swarm::attempts() const { return impl_->attempts; }

bool bogus_swarm::wait_all_opened(ms timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [this] { return impl_->opened >= impl_->slots.size(); });
}

void bogus_swarm::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->stopping = true;
  impl_->thread.join();
  // Close every socket, then let the handlers see it, so none outlives the slots.
  for (auto &s : impl_->slots) {
    beast::error_code ignored;
    if (s->ws) beast::get_lowest_layer(*s->ws).socket().close(ignored);
    if (s->raw) s->raw->close(ignored);
  }
  impl_->io.restart();
  impl_->io.poll();
  impl_->io.stop();
  impl_->slots.clear();
}

}  // namespace ra::relay::test
