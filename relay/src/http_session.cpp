#include "http_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <chrono>
#include <memory>
#include <optional>

#include "http_api.hpp"
#include "transport.hpp"
#include "wire/routing_id.hpp"
#include "ws_session.hpp"

#ifndef RA_RELAY_VERSION
#define RA_RELAY_VERSION "unknown"
#endif

namespace ra::relay {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr size_t k_header_limit = 8 * 1024;  // a WebSocket upgrade or an API GET needs far less
constexpr size_t k_body_limit = 4 * 1024;
constexpr std::string_view k_ws_prefix = "/ws/room/";

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

template <class Stream>
class http_session final : public tracked_session, public std::enable_shared_from_this<http_session<Stream>> {
 public:
  http_session(server_context &ctx, Stream &&stream) : ctx_(ctx), stream_(std::move(stream)) {
    ctx_.sessions.add(this);
  }
  ~http_session() { ctx_.sessions.remove(this); }

  void start() {
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      beast::get_lowest_layer(stream_).expires_after(request_timeout());
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->drop();
        self->read();
      });
    } else {
      read();
    }
  }

  void on_shutdown() override { drop(); }

 private:
  std::chrono::milliseconds request_timeout() const { return std::chrono::milliseconds(ctx_.cfg.hello_timeout_ms); }

  void read() {
    parser_.emplace();
    parser_->header_limit(k_header_limit);
    parser_->body_limit(k_body_limit);
    beast::get_lowest_layer(stream_).expires_after(request_timeout());
    http::async_read(stream_, buf_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return drop();  // end of stream, timeout, or a request we will not parse
    auto req = parser_->release();
    const std::string_view path = path_of(std::string_view(req.target().data(), req.target().size()));
    const bool ws_path = path.starts_with(k_ws_prefix);
    if (beast::websocket::is_upgrade(req)) {
      auto room = ws_path ? wire::parse_routing_id(path.substr(k_ws_prefix.size())) : std::nullopt;
      if (!room || ctx_.stopping) {
        return respond(req,
                       {ctx_.stopping ? 503u : 404u, json_error(ctx_.stopping ? "relay shutting down" : "not found")});
      }
      return start_ws_session(ctx_, std::move(stream_), *room, std::move(req));
    }
    if (ws_path) return respond(req, {426, json_error("expected a WebSocket upgrade")});
    auto auth = req[http::field::authorization];
    api_request api{std::string_view(req.method_string().data(), req.method_string().size()),
                    std::string_view(req.target().data(), req.target().size()),
                    std::string_view(auth.data(), auth.size())};
    respond(req, handle_api(api, ctx_.rooms, RA_RELAY_VERSION));
  }

  void respond(const http::request<http::string_body> &req, const api_response &api) {
    res_.emplace(static_cast<http::status>(api.status), req.version());
    res_->set(http::field::server, server_header());
    res_->set(http::field::content_type, "application/json");
    res_->set(http::field::cache_control, "no-store");
    if (api.allow_get_only) res_->set(http::field::allow, "GET");
    if (api.ask_for_credentials) res_->set(http::field::www_authenticate, "Bearer realm=\"remote-agents-relay\"");
    res_->keep_alive(req.keep_alive() && !ctx_.stopping);
    res_->body() = api.body;
    res_->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(request_timeout());
    http::async_write(stream_, *res_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->res_->keep_alive()) return self->finish();
      self->read();
    });
  }

  // A polite end: TLS close_notify, or a TCP half-close, then the socket goes with the session.
  void finish() {
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->drop(); });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    }
  }

  void drop() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  server_context &ctx_;
  Stream stream_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
};

}  // namespace

const char *server_header() { return "remote-agents-relay/" RA_RELAY_VERSION; }

void start_http_session(server_context &ctx, asio::ip::tcp::socket socket) {
  if (ctx.tls) {
    tls_stream stream(plain_stream(std::move(socket)), *ctx.tls);
    std::make_shared<http_session<tls_stream>>(ctx, std::move(stream))->start();
  } else {
    std::make_shared<http_session<plain_stream>>(ctx, plain_stream(std::move(socket)))->start();
  }
}

}  // namespace ra::relay
