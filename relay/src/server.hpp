// relay/server.hpp — the relay process: the listening socket, one io_context thread for every
// connection, the TLS context, and the graceful stop on SIGTERM/SIGINT (bye(1001) to every peer,
// then exit within 2 s; a second signal stops at once).
// Thread safety: start() and run() from the main thread; everything else runs on io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <optional>

#include "config.hpp"
#include "room_registry.hpp"
#include "server_context.hpp"
#include "session_set.hpp"
#include "util/status.hpp"

namespace ra::relay {

class server {
 public:
  explicit server(config cfg);
  ~server();
  server(const server &) = delete;
  server &operator=(const server &) = delete;

  // Loads the TLS files, binds and listens, then prints "listening on <scheme>://<ip>:<port>".
  status start();
  // Serves until a signal has stopped the relay.
  void run();

 private:
  status load_tls();
  void accept();
  void on_signal(int signo);
  void begin_shutdown();
  void watch_shutdown();

  // Declaration order is destruction order in reverse: the io_context goes first, destroying the
  // handlers that keep sessions alive while the registry and the session set they use still exist.
  config cfg_;
  session_set sessions_;
  room_registry rooms_;
  std::optional<boost::asio::ssl::context> tls_;
  boost::asio::io_context io_{1};
  server_context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer accept_retry_, shutdown_timer_;
  std::chrono::steady_clock::time_point shutdown_deadline_{};
};

}  // namespace ra::relay
