// Tests of the relay link (link.hpp) against a fake relay: a Beast WebSocket server (plain or TLS)
// on 127.0.0.1:0 in this process, on its own thread, driven frame by frame from the test body.
// Every wait is on a future or a condition variable with a generous timeout; the only fixed waits
// are the ones that check that something does NOT happen (no redial after stop).
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <gtest/gtest.h>

#include <cctype>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unistd.h>

#include "link/link.hpp"
#include "wire/codec.hpp"
#include "wire/routing_id.hpp"

namespace ra::link {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr auto k_wait = 10s;  // a broken test fails here instead of hanging
const std::string k_room_hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const std::string k_peer = "0123456789abcdef0123456789abcdef";
const std::string k_token = "relay-access-token";
const wire::resume_secret k_resume = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

template <class T>
bool ready(std::future<T> &f, std::chrono::nanoseconds timeout = k_wait) {
  return f.wait_for(timeout) == std::future_status::ready;
}

// ---- a self-signed certificate for the TLS tests ----

struct test_cert {
  std::string cert_pem, key_pem;
};

std::string pem_of(const std::function<int(BIO *)> &write) {
  BIO *bio = BIO_new(BIO_s_mem());
  write(bio);
  char *data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

// A self-signed P-256 certificate naming `san` ("IP:127.0.0.1", "DNS:relay.invalid"). CA:TRUE so
// that it can be its own trust anchor in a ca_file.
test_cert make_cert(const char *san) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME *name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("fake relay"), -1, -1,
                             0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] :
       {std::pair{NID_subject_alt_name, san}, std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  test_cert out;
  out.cert_pem = pem_of([&](BIO *b) { return PEM_write_bio_X509(b, x); });
  out.key_pem = pem_of([&](BIO *b) { return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

struct temp_file {
  explicit temp_file(const std::string &content) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("ra_link_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + ".pem");
    std::ofstream(path) << content;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  std::filesystem::path path;
};

// ---- the fake relay ----

struct read_result {
  error_code ec;
  std::vector<uint8_t> bytes;
  bool text = false;
};

// A frame as the fake relay got it: `f`'s views point into `bytes` (moving a vector keeps its
// buffer, so they stay valid when this is returned).
struct got_frame {
  error_code ec;
  std::vector<uint8_t> bytes;
  wire::frame f;
  wire::frame_type type = wire::frame_type::hello;
};

template <bool Tls>
class fake_conn : public std::enable_shared_from_this<fake_conn<Tls>> {
 public:
  using stream_t =
      std::conditional_t<Tls, websocket::stream<ssl::stream<beast::tcp_stream>>, websocket::stream<beast::tcp_stream>>;

  fake_conn(tcp::socket s, ssl::context *ctx) requires(!Tls) : ws_(std::move(s)) { (void)ctx; }
  fake_conn(tcp::socket s, ssl::context *ctx) requires(Tls) : ws_(std::move(s), *ctx) {}

  // TLS handshake (when Tls), then the HTTP upgrade, whose target is kept for the tests.
  void start(std::function<void(error_code)> done) {
    if constexpr (Tls) {
      ws_.next_layer().async_handshake(ssl::stream_base::server,
                                       [self = this->shared_from_this(), done](error_code ec) {
                                         if (ec) return done(ec);
                                         self->upgrade(done);
                                       });
    } else {
      upgrade(std::move(done));
    }
  }

  const std::string &target() const { return target_; }

  // The fake reads all the time, as a real relay does (so that it answers close frames at once), and
  // queues what it got for read_raw(). Only a relay made with reading paused leaves the link's
  // frames in the socket.
  void start_reading() {
    reading_ = true;
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] { self->read_loop(true); });
  }

  read_result read_raw(std::chrono::nanoseconds timeout = k_wait) {
    if (!reading_) {  // paused: one read for this call
      asio::post(ws_.get_executor(), [self = this->shared_from_this()] { self->read_loop(false); });
    }
    std::unique_lock lk(mu_);
    if (!cv_.wait_for(lk, timeout, [&] { return !inbox_.empty(); })) return {asio::error::timed_out, {}, false};
    auto r = std::move(inbox_.front());
    inbox_.pop_front();
    return r;
  }

  got_frame read_frame() {
    auto r = read_raw();
    got_frame g{r.ec, std::move(r.bytes), {}, {}};
    if (g.ec) return g;
    auto d = wire::decode(g.bytes);
    EXPECT_TRUE(d) << d.error().to_string();
    if (d) {
      g.f = *d;
      g.type = wire::type_of(g.f);
    }
    return g;
  }

  // The next frame of type `want`, skipping the link's keep-alive pings and pongs.
  got_frame next(wire::frame_type want) {
    for (;;) {
      auto g = read_frame();
      if (g.ec) {
        ADD_FAILURE() << "fake relay: waiting for " << wire::type_name(want) << ": " << g.ec.message();
        return g;
      }
      if (g.type == want) return g;
      if (g.type == wire::frame_type::ping || g.type == wire::frame_type::pong) continue;
      ADD_FAILURE() << "fake relay: got " << wire::type_name(g.type) << ", wanted " << wire::type_name(want);
      return g;
    }
  }

  // Returns the write's error: writing to a connection the link has dropped may fail.
  error_code write_raw(std::vector<uint8_t> bytes, bool text = false) {
    auto p = std::make_shared<std::promise<error_code>>();
    auto f = p->get_future();
    auto data = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), p, data, text] {
      self->ws_.text(text);
      self->ws_.async_write(asio::buffer(*data), [p, data](error_code ec, size_t) { p->set_value(ec); });
    });
    if (!ready(f)) return asio::error::timed_out;
    return f.get();
  }

  void write(const wire::frame &frame) {
    auto bytes = wire::encode(frame);
    ASSERT_TRUE(bytes) << bytes.error().to_string();
    const auto ec = write_raw(std::move(*bytes));
    EXPECT_FALSE(ec) << "fake relay: write failed: " << ec.message();
  }

  void close(uint16_t code, const std::string &reason) {
    auto p = std::make_shared<std::promise<error_code>>();
    auto f = p->get_future();
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), p, code, reason] {
      self->ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                            [p](error_code ec) { p->set_value(ec); });
    });
    ASSERT_TRUE(ready(f)) << "fake relay: close timed out";
  }

  // The close frame the link sent, after read_raw() returned websocket::error::closed.
  uint16_t close_code() const { return ws_.reason().code; }
  std::string close_text() const { return std::string(ws_.reason().reason.data(), ws_.reason().reason.size()); }

  // On the fake relay's thread only.
  void abort() { beast::get_lowest_layer(ws_).close(); }

 private:
  void read_loop(bool again) {
    ws_.async_read(buf_, [self = this->shared_from_this(), again](error_code ec, size_t) {
      read_result r{ec, {}, self->ws_.got_text()};
      const auto d = self->buf_.cdata();
      r.bytes.assign(static_cast<const uint8_t *>(d.data()), static_cast<const uint8_t *>(d.data()) + d.size());
      self->buf_.consume(self->buf_.size());
      {
        std::lock_guard lk(self->mu_);
        self->inbox_.push_back(std::move(r));
      }
      self->cv_.notify_all();
      if (!ec && again) self->read_loop(true);
    });
  }

  void upgrade(std::function<void(error_code)> done) {
    http::async_read(ws_.next_layer(), http_buf_, req_, [self = this->shared_from_this(), done](error_code ec, size_t) {
      if (ec) return done(ec);
      self->target_ = std::string(self->req_.target());
      self->ws_.binary(true);
      self->ws_.async_accept(self->req_, done);
    });
  }

  stream_t ws_;
  beast::flat_buffer http_buf_, buf_;
  http::request<http::string_body> req_;
  std::string target_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<read_result> inbox_;
  std::atomic<bool> reading_{false};
};

template <bool Tls>
class fake_relay {
 public:
  using conn = fake_conn<Tls>;

  struct options {
    const test_cert *cert = nullptr;  // TLS only
    bool read = true;                 // false: leave what the link sends in the socket buffers
  };
  explicit fake_relay(options o = {})
      : read_(o.read),
        ctx_(ssl::context::tls_server),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    const test_cert *cert = o.cert;
    if (cert) {
      ctx_.use_certificate(asio::buffer(cert->cert_pem), ssl::context::pem);
      ctx_.use_private_key(asio::buffer(cert->key_pem), ssl::context::pem);
    }
    accept_next();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~fake_relay() {
    std::promise<void> closed;
    asio::post(io_, [this, &closed] {
      error_code ec;
      acceptor_.close(ec);
      std::lock_guard lk(mu_);
      for (auto &c : all_) c->abort();
      closed.set_value();
    });
    closed.get_future().wait_for(k_wait);
    io_.stop();
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url() const { return std::string(Tls ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port()); }

  // The next connection that completed the WebSocket upgrade; null after `timeout`.
  std::shared_ptr<conn> accept(std::chrono::nanoseconds timeout = k_wait) {
    std::unique_lock lk(mu_);
    if (!cv_.wait_for(lk, timeout, [&] { return !accepted_.empty(); })) return nullptr;
    auto c = accepted_.front();
    accepted_.pop_front();
    return c;
  }

  // Waits for the link's first frame on a new connection and checks that it is the expected hello.
  std::shared_ptr<conn> accept_hello() {
    auto c = accept();
    if (!c) {
      ADD_FAILURE() << "fake relay: no connection";
      return nullptr;
    }
    auto g = c->next(wire::frame_type::hello);
    if (g.type != wire::frame_type::hello) return nullptr;
    const auto &h = std::get<wire::hello>(g.f);
    EXPECT_EQ(h.peer_id, k_peer);
    EXPECT_EQ(h.resume, k_resume);
    return c;
  }

 private:
  void accept_next() {
    acceptor_.async_accept([this](error_code ec, tcp::socket s) {
      if (ec) return;
      auto c = std::make_shared<conn>(std::move(s), &ctx_);
      {
        std::lock_guard lk(mu_);
        all_.push_back(c);
      }
      c->start([this, c](error_code ec) {
        std::lock_guard lk(mu_);
        if (ec) return;  // e.g. the link refused our certificate
        if (read_) c->start_reading();
        accepted_.push_back(c);
        cv_.notify_all();
      });
      accept_next();
    });
  }

  const bool read_;
  asio::io_context io_;
  ssl::context ctx_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<conn>> accepted_;
  std::vector<std::shared_ptr<conn>> all_;
};

using plain_relay = fake_relay<false>;
using tls_relay = fake_relay<true>;

// ---- the link under test, with its events recorded ----

struct drop {
  std::string reason;
  milliseconds retry_in;
};

class harness {
 public:
  explicit harness(link_options o) {
    link_events ev;
    ev.on_joined = [this](const joined_info &i) { record([&] { joins.push_back(i); }); };
    ev.on_peer_joined = [this](const std::string &p) { record([&] { peers_joined.push_back(p); }); };
    ev.on_peer_left = [this](const std::string &p, wire::leave_reason r) {
      record([&] { peers_left.emplace_back(p, r); });
    };
    ev.on_deliver = [this](const std::string &from, std::vector<uint8_t> payload) {
      record([&] { delivered.emplace_back(from, std::move(payload)); });
    };
    ev.on_relay_error = [this](wire::error_code c, const std::string &p) {
      record([&] { errors.emplace_back(c, p); });
    };
    ev.on_disconnected = [this](const std::string &reason, milliseconds retry_in) {
      record([&] { drops.push_back({reason, retry_in}); });
    };
    auto l = link::create(io_, std::move(o), std::move(ev));
    if (l) {
      link_ = std::move(*l);
    } else {
      create_error = l.error();
    }
    thread_ = std::thread([this] { io_.run(); });
  }

  ~harness() {
    if (link_) {
      EXPECT_TRUE(stop_and_wait());
      link_.reset();  // destruction after stop: handlers may still hold the impl
    }
    work_.reset();
    io_.stop();
    thread_.join();
  }

  link &l() { return *link_; }
  // Destroys the link without stop(): ~link must stop it and silence its events.
  void destroy_link() { link_.reset(); }
  bool created() const { return link_ != nullptr; }

  bool stop_and_wait() {
    auto p = std::make_shared<std::promise<void>>();
    auto f = p->get_future();
    link_->stop([p] { p->set_value(); });
    return ready(f);
  }

  template <class Pred>
  bool wait(Pred pred, std::chrono::nanoseconds timeout = k_wait) {
    std::unique_lock lk(mu);
    return cv_.wait_for(lk, timeout, pred);
  }

  // Recorded events, guarded by mu.
  std::mutex mu;
  std::vector<joined_info> joins;
  std::vector<std::string> peers_joined;
  std::vector<std::pair<std::string, wire::leave_reason>> peers_left;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> delivered;
  std::vector<std::pair<wire::error_code, std::string>> errors;
  std::vector<drop> drops;
  status create_error;

 private:
  template <class F>
  void record(F f) {
    {
      std::lock_guard lk(mu);
      f();
    }
    cv_.notify_all();
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread thread_;
  std::condition_variable cv_;
  std::unique_ptr<link> link_;
};

link_options options_for(const std::string &url) {
  link_options o;
  o.relay_url = url;
  o.routing_id_hex = k_room_hex;
  o.peer_id = k_peer;
  o.resume = k_resume;
  o.access_token = k_token;
  o.ping_interval = 60s;  // tests that want pings shorten it
  o.handshake_timeout = 5s;
  o.backoff_min = 20ms;
  o.backoff_max = 200ms;
  o.stable_after = 30s;
  o.dead_after = 60s;
  return o;
}

wire::welcome welcome_for(std::vector<std::string_view> peers = {}, uint32_t max_frame = 1 << 20,
                          uint32_t idle_timeout_s = 0) {
  wire::welcome w;
  w.peer_id = k_peer;
  w.max_frame = max_frame;
  w.max_peers = 16;
  w.rate_per_s = 100;
  w.rate_burst = 200;
  w.idle_timeout_s = idle_timeout_s;
  w.peers = std::move(peers);
  return w;
}

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

// Starts the link and completes one join; returns the relay side of the connection.
std::shared_ptr<plain_relay::conn> join(plain_relay &relay, harness &h, wire::welcome w = welcome_for()) {
  h.l().start();
  auto c = relay.accept_hello();
  if (!c) return nullptr;
  size_t before = 0;
  {
    std::lock_guard lk(h.mu);
    before = h.joins.size();
  }
  c->write(w);
  EXPECT_TRUE(h.wait([&] { return h.joins.size() > before; }));
  return c;
}

// ---- tests ----

TEST(link, hello_carries_the_fixed_identity_and_the_room_is_in_the_url) {
  plain_relay relay;
  auto o = options_for(relay.url() + "/relay/");
  std::string upper = k_room_hex;
  for (char &ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  o.routing_id_hex = upper;  // normalised to lower case: the relay keys rooms by that form
  harness h(o);
  ASSERT_TRUE(h.created()) << h.create_error.to_string();
  EXPECT_EQ(h.l().state(), link_state::idle);
  h.l().start();

  auto c = relay.accept();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->target(), "/relay/ws/room/" + k_room_hex);
  auto g = c->next(wire::frame_type::hello);
  ASSERT_EQ(g.type, wire::frame_type::hello);
  const auto &hello = std::get<wire::hello>(g.f);
  EXPECT_EQ(hello.min_version, 1);
  EXPECT_EQ(hello.max_version, 1);
  EXPECT_EQ(wire::to_hex(hello.room), k_room_hex);
  EXPECT_EQ(hello.resume, k_resume);
  EXPECT_EQ(hello.peer_id, k_peer);
  EXPECT_EQ(std::string(hello.access_token.begin(), hello.access_token.end()), k_token);
  EXPECT_EQ(h.l().state(), link_state::connecting);
}

TEST(link, welcome_reports_the_join_with_peers_and_limits) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  EXPECT_EQ(h.l().max_payload(), 0u);
  auto c = join(relay, h, welcome_for({"p2", "p3"}, 8192, 90));
  ASSERT_TRUE(c);
  std::lock_guard lk(h.mu);
  ASSERT_EQ(h.joins.size(), 1u);
  const auto &j = h.joins[0];
  EXPECT_EQ(j.self_id, k_peer);
  EXPECT_EQ(j.peers, (std::vector<std::string>{"p2", "p3"}));
  EXPECT_EQ(j.max_frame, 8192u);
  EXPECT_EQ(j.max_payload, 8192u - 73);
  EXPECT_EQ(j.max_peers, 16);
  EXPECT_EQ(j.idle_timeout_s, 90u);
  EXPECT_EQ(j.connection_number, 1u);
  EXPECT_EQ(h.l().state(), link_state::joined);
  EXPECT_EQ(h.l().max_payload(), 8192u - 73);
}

TEST(link, relay_frames_reach_the_handlers_in_order) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  auto c = join(relay, h, welcome_for({"p2", "p3"}));
  ASSERT_TRUE(c);
  const auto payload = bytes_of("an envelope");
  c->write(wire::peer_joined{"p4"});
  c->write(wire::peer_left{"p2", wire::leave_reason::bye});
  c->write(wire::deliver{"p3", payload});
  c->write(wire::error{wire::error_code::unknown_recipient, "p9", "no such peer"});
  ASSERT_TRUE(h.wait([&] { return !h.errors.empty(); }));
  std::lock_guard lk(h.mu);
  EXPECT_EQ(h.peers_joined, std::vector<std::string>{"p4"});
  ASSERT_EQ(h.peers_left.size(), 1u);
  EXPECT_EQ(h.peers_left[0].first, "p2");
  EXPECT_EQ(h.peers_left[0].second, wire::leave_reason::bye);
  ASSERT_EQ(h.delivered.size(), 1u);
  EXPECT_EQ(h.delivered[0].first, "p3");
  EXPECT_EQ(h.delivered[0].second, payload);
  ASSERT_EQ(h.errors.size(), 1u);
  EXPECT_EQ(h.errors[0].first, wire::error_code::unknown_recipient);
  EXPECT_EQ(h.errors[0].second, "p9");
}

TEST(link, send_reaches_the_relay_as_a_send_frame) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  auto c = join(relay, h, welcome_for({"p2", "p3"}));
  ASSERT_TRUE(c);
  ASSERT_TRUE(h.l().send({"p2", "p3"}, bytes_of("to two")));
  ASSERT_TRUE(h.l().send({}, bytes_of("to all")));

  auto g = c->next(wire::frame_type::send);
  ASSERT_EQ(g.type, wire::frame_type::send);
  const auto &s = std::get<wire::send>(g.f);
  EXPECT_EQ(s.to, (std::vector<std::string_view>{"p2", "p3"}));
  EXPECT_EQ(std::vector<uint8_t>(s.payload.begin(), s.payload.end()), bytes_of("to two"));

  auto g2 = c->next(wire::frame_type::send);
  ASSERT_EQ(g2.type, wire::frame_type::send);
  EXPECT_TRUE(std::get<wire::send>(g2.f).to.empty());
  EXPECT_EQ(std::vector<uint8_t>(std::get<wire::send>(g2.f).payload.begin(), std::get<wire::send>(g2.f).payload.end()),
            bytes_of("to all"));

  // A recipient list the codec refuses is the caller's error, reported at once.
  auto dup = h.l().send({"p2", "p2"}, bytes_of("x"));
  EXPECT_EQ(dup.code(), RA_INVALID_ARGUMENT) << dup.to_string();
}

TEST(link, relay_ping_is_answered_with_pong) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  auto c = join(relay, h);
  ASSERT_TRUE(c);
  c->write(wire::ping{0x1122334455667788});
  auto g = c->next(wire::frame_type::pong);
  ASSERT_EQ(g.type, wire::frame_type::pong);
  EXPECT_EQ(std::get<wire::pong>(g.f).nonce, 0x1122334455667788u);
}

TEST(link, pings_at_a_third_of_the_relays_idle_timeout) {
  plain_relay relay;
  harness h(options_for(relay.url()));  // ping_interval 60 s
  h.l().start();
  auto c = relay.accept_hello();
  ASSERT_TRUE(c);
  const auto welcomed = std::chrono::steady_clock::now();
  c->write(welcome_for({}, 1 << 20, 1));  // idle timeout 1 s → a ping every 333 ms
  auto g = c->next(wire::frame_type::ping);
  ASSERT_EQ(g.type, wire::frame_type::ping);
  EXPECT_GE(std::chrono::steady_clock::now() - welcomed, 300ms);
  c->write(wire::pong{std::get<wire::ping>(g.f).nonce});  // the link logs the round trip
  auto g2 = c->next(wire::frame_type::ping);
  EXPECT_EQ(g2.type, wire::frame_type::ping);
}

TEST(link, relay_going_away_leads_to_a_redial_and_a_second_welcome) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  auto c = join(relay, h, welcome_for({"p2"}));
  ASSERT_TRUE(c);
  c->close(1001, "relay shutting down");

  ASSERT_TRUE(h.wait([&] { return !h.drops.empty(); }));
  {
    std::lock_guard lk(h.mu);
    EXPECT_NE(h.drops[0].reason.find("1001 relay shutting down"), std::string::npos) << h.drops[0].reason;
    EXPECT_GE(h.drops[0].retry_in, 20ms);  // attempt 0: [min, 1.5·min)
    EXPECT_LT(h.drops[0].retry_in, 30ms);
  }
  EXPECT_NE(h.l().state(), link_state::joined);
  EXPECT_EQ(h.l().send({}, bytes_of("x")).code(), RA_UNAVAILABLE);

  auto c2 = relay.accept_hello();  // same peer id and resume secret
  ASSERT_TRUE(c2);
  c2->write(welcome_for({"p2"}));
  ASSERT_TRUE(h.wait([&] { return h.joins.size() == 2; }));
  std::lock_guard lk(h.mu);
  EXPECT_EQ(h.joins[1].connection_number, 2u);
  EXPECT_EQ(h.joins[1].peers, std::vector<std::string>{"p2"});
}

TEST(link, relay_bye_then_close_redials) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  auto c = join(relay, h);
  ASSERT_TRUE(c);
  c->write(wire::bye{1001, "relay restarting"});
  c->close(1001, "relay restarting");
  ASSERT_TRUE(h.wait([&] { return !h.drops.empty(); }));
  {
    std::lock_guard lk(h.mu);
    EXPECT_NE(h.drops[0].reason.find("after bye (1001 relay restarting)"), std::string::npos) << h.drops[0].reason;
  }
  EXPECT_TRUE(relay.accept_hello());
}

TEST(link, refused_join_retries_slowly_and_keeps_trying) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  h.l().start();
  auto c = relay.accept_hello();
  ASSERT_TRUE(c);
  c->write(wire::join_refused{wire::refusal::unauthorized, "relay access token missing or wrong"});
  c->close(1008, "relay access token missing or wrong");
  ASSERT_TRUE(h.wait([&] { return !h.drops.empty(); }));
  {
    std::lock_guard lk(h.mu);
    EXPECT_EQ(h.drops[0].retry_in, 200ms);  // slow retry: backoff_max
    EXPECT_NE(h.drops[0].reason.find("unauthorized"), std::string::npos) << h.drops[0].reason;
    EXPECT_NE(h.drops[0].reason.find("relay access token missing or wrong"), std::string::npos);
    EXPECT_EQ(h.drops[0].reason.find(k_token), std::string::npos);
    EXPECT_TRUE(h.joins.empty());
  }
  EXPECT_TRUE(relay.accept_hello());  // never gives up
}

TEST(link, room_full_retries_with_normal_backoff) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  h.l().start();
  auto c = relay.accept_hello();
  ASSERT_TRUE(c);
  c->write(wire::join_refused{wire::refusal::room_full, ""});
  ASSERT_TRUE(h.wait([&] { return !h.drops.empty(); }));
  std::lock_guard lk(h.mu);
  EXPECT_LT(h.drops[0].retry_in, 30ms);
  EXPECT_NE(h.drops[0].reason.find("room_full"), std::string::npos);
}

TEST(link, oversize_send_is_resource_exhausted) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  auto c = join(relay, h, welcome_for({"p2"}, 4096));
  ASSERT_TRUE(c);
  const size_t max = 4096 - 73;
  EXPECT_EQ(h.l().max_payload(), max);
  auto big = h.l().send({"p2"}, std::vector<uint8_t>(max + 1, 0x5a));
  EXPECT_EQ(big.code(), RA_RESOURCE_EXHAUSTED) << big.to_string();
  ASSERT_TRUE(h.l().send({"p2"}, std::vector<uint8_t>(max, 0x5a)));
  auto g = c->next(wire::frame_type::send);
  ASSERT_EQ(g.type, wire::frame_type::send);
  EXPECT_EQ(std::get<wire::send>(g.f).payload.size(), max);
}

TEST(link, send_while_not_joined_is_unavailable) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  EXPECT_EQ(h.l().send({}, bytes_of("early")).code(), RA_UNAVAILABLE);
  h.l().start();
  auto c = relay.accept_hello();  // connected, but no welcome yet
  ASSERT_TRUE(c);
  EXPECT_EQ(h.l().state(), link_state::connecting);
  EXPECT_EQ(h.l().send({}, bytes_of("still early")).code(), RA_UNAVAILABLE);
}

TEST(link, full_outbound_queue_is_resource_exhausted) {
  plain_relay relay({.read = false});
  auto o = options_for(relay.url());
  o.handshake_timeout = 1s;  // also bounds the stop at the end: this relay never reads
  harness h(o);
  auto c = join(relay, h, welcome_for({"p2"}, 4096));
  ASSERT_TRUE(c);
  // The relay reads nothing, so once the socket buffers are full the queue fills up.
  status s;
  int sent = 0;
  for (; sent < 100000; ++sent) {
    s = h.l().send({"p2"}, std::vector<uint8_t>(4000, 1));
    if (!s) break;
  }
  EXPECT_EQ(s.code(), RA_RESOURCE_EXHAUSTED) << s.to_string();
  EXPECT_NE(s.message().find("queue"), std::string::npos) << s.message();
  EXPECT_GE(sent, 4096);
}

TEST(link, stop_says_bye_and_does_not_redial) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  auto c = join(relay, h);
  ASSERT_TRUE(c);
  auto p = std::make_shared<std::promise<void>>();
  auto done = p->get_future();
  h.l().stop([p] { p->set_value(); });
  EXPECT_EQ(h.l().state(), link_state::stopped);
  EXPECT_EQ(h.l().send({}, bytes_of("late")).code(), RA_UNAVAILABLE);

  auto g = c->next(wire::frame_type::bye);
  ASSERT_EQ(g.type, wire::frame_type::bye);
  EXPECT_EQ(std::get<wire::bye>(g.f).close_code, 1000);
  EXPECT_EQ(std::get<wire::bye>(g.f).text, "bye");
  auto r = c->read_raw();
  EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
  EXPECT_EQ(c->close_code(), 1000);
  EXPECT_EQ(c->close_text(), "bye");
  ASSERT_TRUE(ready(done));

  // Several backoff_max periods without a redial, and no on_disconnected for a stop.
  EXPECT_FALSE(relay.accept(800ms));
  std::lock_guard lk(h.mu);
  EXPECT_TRUE(h.drops.empty());
}

TEST(link, stop_without_a_connection_completes_and_is_idempotent) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  EXPECT_TRUE(h.stop_and_wait());  // never started
  EXPECT_TRUE(h.stop_and_wait());  // again: done still runs
  EXPECT_EQ(h.l().state(), link_state::stopped);
  h.l().start();  // ignored after stop
  EXPECT_FALSE(relay.accept(300ms));
}

TEST(link, stop_while_dialling_completes) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  h.l().start();
  auto c = relay.accept_hello();  // mid-handshake: no welcome
  ASSERT_TRUE(c);
  EXPECT_TRUE(h.stop_and_wait());
  auto r = c->read_raw();
  EXPECT_TRUE(r.ec);  // the link dropped the connection
  EXPECT_FALSE(relay.accept(300ms));
}

TEST(link, destroying_a_running_link_is_safe) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  auto c = join(relay, h);
  ASSERT_TRUE(c);
  h.destroy_link();  // while its io_context runs: ~link stops it
  auto g = c->next(wire::frame_type::bye);
  EXPECT_EQ(g.type, wire::frame_type::bye);
  auto r = c->read_raw();
  EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
  EXPECT_FALSE(relay.accept(300ms));
}

TEST(link, silent_relay_is_declared_dead_and_redialled) {
  plain_relay relay;
  auto o = options_for(relay.url());
  o.dead_after = 300ms;
  harness h(o);
  auto c = join(relay, h);
  ASSERT_TRUE(c);
  ASSERT_TRUE(h.wait([&] { return !h.drops.empty(); }));
  {
    std::lock_guard lk(h.mu);
    EXPECT_NE(h.drops[0].reason.find("nothing heard from the relay for 300 ms"), std::string::npos)
        << h.drops[0].reason;
  }
  EXPECT_TRUE(relay.accept_hello());
}

TEST(link, handshake_timeout_redials) {
  plain_relay relay;
  auto o = options_for(relay.url());
  o.handshake_timeout = 500ms;
  harness h(o);
  h.l().start();
  auto c = relay.accept_hello();  // and never answers
  ASSERT_TRUE(c);
  ASSERT_TRUE(h.wait([&] { return !h.drops.empty(); }));
  {
    std::lock_guard lk(h.mu);
    EXPECT_NE(h.drops[0].reason.find("timed out after 500 ms"), std::string::npos) << h.drops[0].reason;
  }
  EXPECT_TRUE(relay.accept_hello());
}

TEST(link, unreachable_relay_backs_off_exponentially) {
  uint16_t port = 0;
  {
    asio::io_context io;  // a port that was free a moment ago: nothing listens there now
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  harness h(options_for("ws://127.0.0.1:" + std::to_string(port)));
  h.l().start();
  ASSERT_TRUE(h.wait([&] { return h.drops.size() >= 5; }));
  std::lock_guard lk(h.mu);
  EXPECT_NE(h.drops[0].reason.find("connecting to 127.0.0.1:" + std::to_string(port) + " failed"), std::string::npos)
      << h.drops[0].reason;
  const std::pair<int, int> ranges[] = {{20, 30}, {40, 60}, {80, 120}, {160, 200}, {200, 200}};
  for (size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    EXPECT_GE(h.drops[i].retry_in.count(), ranges[i].first);
    EXPECT_LE(h.drops[i].retry_in.count(), ranges[i].second);
  }
}

TEST(link, malformed_frame_from_relay_closes_with_its_code_and_redials) {
  plain_relay relay;
  harness h(options_for(relay.url()));
  auto c = join(relay, h);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->write_raw(bytes_of("GET / HTTP/1.1")));  // not "RA"
  auto r = c->read_raw();
  EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
  EXPECT_EQ(c->close_code(), 1002);
  ASSERT_TRUE(h.wait([&] { return !h.drops.empty(); }));
  {
    std::lock_guard lk(h.mu);
    EXPECT_NE(h.drops[0].reason.find("protocol error"), std::string::npos) << h.drops[0].reason;
  }
  auto c2 = relay.accept_hello();
  ASSERT_TRUE(c2);
  EXPECT_FALSE(c2->write_raw(bytes_of("text"), true));  // a text message: 1003, before or after the welcome
  auto r2 = c2->read_raw();
  EXPECT_EQ(r2.ec, websocket::error::closed) << r2.ec.message();
  EXPECT_EQ(c2->close_code(), 1003);
}

TEST(link, after_a_dead_connection_only_the_new_one_delivers) {
  plain_relay relay;
  auto o = options_for(relay.url());
  o.dead_after = 300ms;
  harness h(o);
  auto c = join(relay, h);
  ASSERT_TRUE(c);
  ASSERT_TRUE(h.wait([&] { return !h.drops.empty(); }));  // declared dead: the link moved on
  auto c2 = relay.accept_hello();
  ASSERT_TRUE(c2);
  (void)c->write_raw(wire::encode(wire::deliver{"ghost", bytes_of("stale")}).value());  // may fail: dropped
  c2->write(welcome_for());
  c2->write(wire::deliver{"p2", bytes_of("fresh")});
  ASSERT_TRUE(h.wait([&] { return !h.delivered.empty(); }));
  std::lock_guard lk(h.mu);
  ASSERT_EQ(h.delivered.size(), 1u);
  EXPECT_EQ(h.delivered[0].first, "p2");
}

TEST(link, create_refuses_bad_options) {
  struct row {
    std::function<void(link_options &)> change;
    const char *says;
  };
  const row rows[] = {
      {[](link_options &o) { o.relay_url = "http://x"; }, "ws or wss"},
      {[](link_options &o) { o.routing_id_hex = "abc"; }, "routing id"},
      {[](link_options &o) { o.routing_id_hex = std::string(63, '0') + "g"; }, "routing id"},
      {[](link_options &o) { o.peer_id = ""; }, "peer id"},
      {[](link_options &o) { o.peer_id = "has space"; }, "peer id"},
      {[](link_options &o) { o.peer_id = std::string(65, 'a'); }, "peer id"},
      {[](link_options &o) { o.access_token = std::string(256, 't'); }, "longer than 255"},
      {[](link_options &o) { o.backoff_max = 10ms; }, "below its minimum"},
      {[](link_options &o) { o.ping_interval = 0ms; }, "positive"},
      {[](link_options &o) {
         o.relay_url = "wss://127.0.0.1";
         o.ca_file = "/nonexistent/ca.pem";
       },
       "CA file"},
  };
  for (const auto &r : rows) {
    SCOPED_TRACE(r.says);
    auto o = options_for("ws://127.0.0.1:1");
    r.change(o);
    asio::io_context io;
    auto l = link::create(io, o, {});
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().code(), RA_INVALID_ARGUMENT) << l.error().to_string();
    EXPECT_NE(l.error().message().find(r.says), std::string::npos) << l.error().message();
    EXPECT_EQ(l.error().message().find(k_token), std::string::npos);
  }
}

// ---- wss:// ----

TEST(link_tls, joins_when_the_certificate_is_trusted_via_ca_file) {
  const auto cert = make_cert("IP:127.0.0.1");
  temp_file ca(cert.cert_pem);
  tls_relay relay({.cert = &cert});
  auto o = options_for(relay.url());
  o.ca_file = ca.path.string();
  harness h(o);
  ASSERT_TRUE(h.created()) << h.create_error.to_string();
  h.l().start();
  auto c = relay.accept_hello();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->target(), "/ws/room/" + k_room_hex);
  c->write(welcome_for({"p2"}));
  ASSERT_TRUE(h.wait([&] { return !h.joins.empty(); }));
  ASSERT_TRUE(h.l().send({"p2"}, bytes_of("over tls")));
  auto g = c->next(wire::frame_type::send);
  EXPECT_EQ(g.type, wire::frame_type::send);
}

TEST(link_tls, untrusted_certificate_is_refused_and_retried) {
  const auto cert = make_cert("IP:127.0.0.1");
  tls_relay relay({.cert = &cert});
  harness h(options_for(relay.url()));  // the system store does not know this certificate
  h.l().start();
  ASSERT_TRUE(h.wait([&] { return h.drops.size() >= 2; }));
  std::lock_guard lk(h.mu);
  EXPECT_NE(h.drops[0].reason.find("TLS handshake with 127.0.0.1:"), std::string::npos) << h.drops[0].reason;
  EXPECT_NE(h.drops[0].reason.find("self-signed"), std::string::npos) << h.drops[0].reason;
  EXPECT_TRUE(h.joins.empty());
}

TEST(link_tls, certificate_for_another_host_is_refused) {
  const auto cert = make_cert("DNS:relay.invalid");
  temp_file ca(cert.cert_pem);
  tls_relay relay({.cert = &cert});
  auto o = options_for(relay.url());
  o.ca_file = ca.path.string();
  harness h(o);
  h.l().start();
  ASSERT_TRUE(h.wait([&] { return !h.drops.empty(); }));
  std::lock_guard lk(h.mu);
  EXPECT_NE(h.drops[0].reason.find("IP address mismatch"), std::string::npos) << h.drops[0].reason;
}

TEST(link_tls, verification_can_be_turned_off_for_tests) {
  const auto cert = make_cert("DNS:relay.invalid");
  tls_relay relay({.cert = &cert});
  auto o = options_for(relay.url());
  o.tls_verify = false;
  harness h(o);
  h.l().start();
  auto c = relay.accept_hello();
  ASSERT_TRUE(c);
  c->write(welcome_for());
  EXPECT_TRUE(h.wait([&] { return !h.joins.empty(); }));
}

}  // namespace
}  // namespace ra::link
