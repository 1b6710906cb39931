// relay/http_session.hpp — one accepted TCP connection until it is either a WebSocket (handed to
// ws_session) or done with HTTP: the TLS handshake when serving wss://, then HTTP/1.1 requests
// (keep-alive) answered by http_api, each read within the hello timeout so that a silent or slow
// client cannot hold a connection for long.
// Thread safety: runs on the relay's io_context thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "server_context.hpp"

namespace ra::relay {

void start_http_session(server_context &ctx, boost::asio::ip::tcp::socket socket);

}  // namespace ra::relay
