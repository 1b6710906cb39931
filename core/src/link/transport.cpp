// link/transport.cpp — the two transports (plain and TLS WebSocket over beast::tcp_stream), one
// template. Beast does the WebSocket framing, masking, control frames and closing handshake; TLS is
// OpenSSL under boost::asio::ssl.
#include "link/transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <type_traits>

#include "build_config.h"

namespace ra::link::detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using plain_ws = websocket::stream<beast::tcp_stream>;
using tls_ws = websocket::stream<ssl::stream<beast::tcp_stream>>;

bool is_ip_literal(const std::string &host) {
  error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

enum class step { resolve, connect, tls, upgrade };

template <class Ws>
class ws_transport final : public transport, public std::enable_shared_from_this<ws_transport<Ws>> {
  static constexpr bool k_tls = std::is_same_v<Ws, tls_ws>;

 public:
  ws_transport(const asio::any_io_executor &ex, const transport_options &o) requires(!k_tls)
      : ws_(ex), resolver_(ex), opts_(o) {}
  ws_transport(const asio::any_io_executor &ex, const transport_options &o) requires(k_tls)
      : ws_(ex, *o.tls), resolver_(ex), opts_(o) {}

  void async_open(completion done) override {
    step_ = step::resolve;
    resolver_.async_resolve(opts_.host, opts_.port,
                            [self = this->shared_from_this(), done = std::move(done)](
                                error_code ec, const tcp::resolver::results_type &results) mutable {
                              if (ec) return done(ec);
                              self->connect(results, std::move(done));
                            });
  }

  void async_read(beast::flat_buffer &buffer, io_completion done) override {
    ws_.async_read(buffer,
                   [self = this->shared_from_this(), done = std::move(done)](error_code ec, size_t n) { done(ec, n); });
  }

  void async_write(gather buffers, io_completion done) override {
    ws_.async_write(
        buffers, [self = this->shared_from_this(), done = std::move(done)](error_code ec, size_t n) { done(ec, n); });
  }

  void async_close(uint16_t code, const std::string &reason, completion done) override {
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                    [self = this->shared_from_this(), done = std::move(done)](error_code ec) { done(ec); });
  }

  void abort() override {
    resolver_.cancel();
    beast::get_lowest_layer(ws_).close();  // noexcept; pending operations complete with errors
  }

  void set_read_limit(size_t bytes) override { ws_.read_message_max(bytes); }
  bool got_text() const override { return ws_.got_text(); }
  uint16_t close_code() const override { return ws_.reason().code; }
  std::string close_text() const override {
    const auto &r = ws_.reason().reason;
    return std::string(r.data(), r.size());
  }
  void on_control(std::function<void()> cb) override {
    ws_.control_callback([cb = std::move(cb)](websocket::frame_type, beast::string_view) { cb(); });
  }

  std::string describe_open_error(const error_code &ec) const override {
    std::string what;
    switch (step_) {
      case step::resolve:
        what = "resolving " + opts_.host;
        break;
      case step::connect:
        what = "connecting to " + endpoint();
        break;
      case step::tls:
        what = "TLS handshake with " + endpoint();
        break;
      case step::upgrade:
        what = "WebSocket upgrade at " + endpoint();
        break;
    }
    std::string msg = what + " failed: " + ec.message();
    if constexpr (k_tls) {
      // OpenSSL's error string says only "certificate verify failed"; the verify result says why.
      if (step_ == step::tls) {
        const long v = SSL_get_verify_result(const_cast<Ws &>(ws_).next_layer().native_handle());
        if (v != X509_V_OK) msg += std::string(" (") + X509_verify_cert_error_string(v) + ")";
      }
    }
    if (step_ == step::upgrade && response_.result_int() != 0 && response_.result_int() != 101) {
      msg += " (HTTP " + std::to_string(response_.result_int()) + ")";
    }
    return msg;
  }

 private:
  std::string endpoint() const {
    return (opts_.host.find(':') != std::string::npos ? "[" + opts_.host + "]" : opts_.host) + ":" + opts_.port;
  }

  // The Host header: the port only when it is not the scheme's default (RFC 7230 §5.4).
  std::string host_header() const {
    const std::string host = opts_.host.find(':') != std::string::npos ? "[" + opts_.host + "]" : opts_.host;
    return opts_.port == (k_tls ? "443" : "80") ? host : host + ":" + opts_.port;
  }

  void connect(const tcp::resolver::results_type &results, completion done) {
    step_ = step::connect;
    beast::get_lowest_layer(ws_).async_connect(results, [self = this->shared_from_this(), done = std::move(done)](
                                                            error_code ec, const tcp::endpoint &) mutable {
      if (ec) return done(ec);
      error_code ignored;  // latency matters more than packet count for small frames
      beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true), ignored);
      self->secure(std::move(done));
    });
  }

  void secure(completion done) {
    if constexpr (k_tls) {
      step_ = step::tls;
      auto &s = ws_.next_layer();
      // SNI lets a relay behind a shared front end present the right certificate; RFC 6066 forbids
      // it for IP literals.
      if (!is_ip_literal(opts_.host) && SSL_set_tlsext_host_name(s.native_handle(), opts_.host.c_str()) != 1) {
        return done(error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
      }
      error_code ec;
      if (opts_.tls_verify) {
        s.set_verify_mode(ssl::verify_peer, ec);
        // Asio's check fails the handshake without saying why; record the reason OpenSSL-style so
        // that describe_open_error() can name it.
        const int mismatch = is_ip_literal(opts_.host) ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH;
        if (!ec) {
          s.set_verify_callback(
              [check = ssl::host_name_verification(opts_.host), mismatch](bool preverified, ssl::verify_context &ctx) {
                const bool ok = check(preverified, ctx);
                if (preverified && !ok) X509_STORE_CTX_set_error(ctx.native_handle(), mismatch);
                return ok;
              },
              ec);
        }
      } else {
        s.set_verify_mode(ssl::verify_none, ec);
      }
      if (ec) return done(ec);
      s.async_handshake(ssl::stream_base::client,
                        [self = this->shared_from_this(), done = std::move(done)](error_code ec) mutable {
                          if (ec) return done(ec);
                          self->upgrade(std::move(done));
                        });
    } else {
      upgrade(std::move(done));
    }
  }

  void upgrade(completion done) {
    step_ = step::upgrade;
    websocket::stream_base::timeout t{};
    t.handshake_timeout = opts_.close_timeout;        // Beast uses it for the upgrade and the close
    t.idle_timeout = websocket::stream_base::none();  // the link pings and watches for silence itself
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type &req) { req.set(beast::http::field::user_agent, "remote-agents/" RA_VERSION); }));
    ws_.binary(true);
    ws_.async_handshake(response_, host_header(), opts_.target,
                        [self = this->shared_from_this(), done = std::move(done)](error_code ec) { done(ec); });
  }

  Ws ws_;
  tcp::resolver resolver_;
  transport_options opts_;
  step step_ = step::resolve;
  websocket::response_type response_;
};

}  // namespace

std::shared_ptr<transport> make_transport(const asio::any_io_executor &ex, const transport_options &options) {
  if (options.tls) return std::make_shared<ws_transport<tls_ws>>(ex, options);
  return std::make_shared<ws_transport<plain_ws>>(ex, options);
}

}  // namespace ra::link::detail
