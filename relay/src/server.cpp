#include "server.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "http_session.hpp"

namespace ra::relay {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// PROTOCOL.md promises peers a bye; the rest of the 2 s budget is for their close handshakes.
constexpr auto k_shutdown_grace = std::chrono::milliseconds(1500);

}  // namespace

server::server(config cfg)
    : cfg_(std::move(cfg)),
      rooms_(cfg_),
      ctx_{io_, cfg_, rooms_, sessions_},
      acceptor_(io_),
      signals_(io_, SIGINT, SIGTERM),
      accept_retry_(io_),
      shutdown_timer_(io_) {}

server::~server() {
  // Anything still in a room holds a session bound to io_: let go of it before io_ is destroyed.
  rooms_.shutdown();
}

status server::load_tls() {
  if (!cfg_.tls()) return status::ok();
  tls_.emplace(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                    asio::ssl::context::single_dh_use);
  if (tls_->use_certificate_chain_file(cfg_.tls_cert, ec); ec) {
    return invalid_argument("--tls-cert " + cfg_.tls_cert + ": " + ec.message());
  }
  if (tls_->use_private_key_file(cfg_.tls_key, asio::ssl::context::pem, ec); ec) {
    return invalid_argument("--tls-key " + cfg_.tls_key + ": " + ec.message());
  }
  ctx_.tls = &*tls_;
  return status::ok();
}

status server::start() {
  if (auto s = load_tls(); !s) return s;
  boost::system::error_code ec;
  const tcp::endpoint ep(asio::ip::make_address(cfg_.bind_host, ec), cfg_.bind_port);
  if (ec) return invalid_argument("--bind: " + ec.message());
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return unavailable("cannot listen on " + cfg_.bind_host + ":" + std::to_string(cfg_.bind_port) + ": " +
                       ec.message());

  const auto local = acceptor_.local_endpoint();
  const std::string host =
      local.address().is_v6() ? "[" + local.address().to_string() + "]" : local.address().to_string();
  // Tests and scripts read this line for the port: exactly one line on stdout.
  std::cout << "listening on " << (cfg_.tls() ? "wss" : "ws") << "://" << host << ":" << local.port() << std::endl;
  spdlog::info("relay {} on {}:{} (max frame {} B, max peers {}, max rooms {}, rate {}/s burst {}, idle {} s{})",
               cfg_.tls() ? "wss/https" : "ws/http", host, local.port(), cfg_.max_frame, cfg_.max_peers, cfg_.max_rooms,
               cfg_.rate_per_s, cfg_.rate_burst, cfg_.idle_timeout_s,
               cfg_.token.empty() ? ", no access token" : ", access token required");

  signals_.async_wait([this](boost::system::error_code e, int signo) {
    if (!e) on_signal(signo);
  });
  accept();
  return status::ok();
}

void server::run() { io_.run(); }

void server::accept() {
  acceptor_.async_accept(io_, [this](boost::system::error_code ec, tcp::socket socket) {
    if (ctx_.stopping) return;
    if (ec) {
      // Typically EMFILE: back off briefly instead of spinning on the error.
      spdlog::warn("accept failed: {}", ec.message());
      accept_retry_.expires_after(std::chrono::milliseconds(100));
      accept_retry_.async_wait([this](boost::system::error_code e) {
        if (!e && !ctx_.stopping) accept();
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    start_http_session(ctx_, std::move(socket));
    accept();
  });
}

void server::on_signal(int signo) {
  if (ctx_.stopping) {
    spdlog::warn("second signal {}: stopping now", signo);
    io_.stop();
    return;
  }
  spdlog::info("signal {}: shutting down", signo);
  begin_shutdown();
  signals_.async_wait([this](boost::system::error_code e, int s) {
    if (!e) on_signal(s);
  });
}

void server::begin_shutdown() {
  ctx_.stopping = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  rooms_.shutdown();
  sessions_.shutdown_all();
  shutdown_deadline_ = std::chrono::steady_clock::now() + k_shutdown_grace;
  watch_shutdown();
}

void server::watch_shutdown() {
  if (sessions_.size() == 0 || std::chrono::steady_clock::now() >= shutdown_deadline_) {
    if (sessions_.size() > 0) spdlog::info("{} connections did not close in time", sessions_.size());
    signals_.cancel();
    io_.stop();
    return;
  }
  shutdown_timer_.expires_after(std::chrono::milliseconds(10));
  shutdown_timer_.async_wait([this](boost::system::error_code e) {
    if (!e) watch_shutdown();
  });
}

}  // namespace ra::relay
