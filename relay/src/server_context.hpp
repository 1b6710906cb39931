// relay/server_context.hpp — what every session needs from the server: the io_context, the
// settings, the rooms, the live-session set, and the TLS context when serving wss://.
// Thread safety: everything here is used from the one io_context thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "config.hpp"
#include "room_registry.hpp"
#include "session_set.hpp"

namespace ra::relay {

struct server_context {
  boost::asio::io_context &io;
  const config &cfg;
  room_registry &rooms;
  session_set &sessions;
  boost::asio::ssl::context *tls = nullptr;  // null: plain ws:// and http://
  bool stopping = false;
};

// "remote-agents-relay/<version>", for the Server header.
const char *server_header();

}  // namespace ra::relay
