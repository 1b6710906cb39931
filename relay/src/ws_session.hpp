// relay/ws_session.hpp — one WebSocket connection at /ws/room/<routing id>, after the HTTP
// upgrade request has been read: the hello (at most k_max_hello_frame bytes, within the hello
// timeout), then the peer's frames through frame_handler, the outbound queue written one frame at
// a time, the idle timeout, and the close. The session is the member's peer_link.
// Thread safety: runs on the relay's io_context thread.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server_context.hpp"
#include "transport.hpp"
#include "wire/frame.hpp"

namespace ra::relay {

using upgrade_request = boost::beast::http::request<boost::beast::http::string_body>;

void start_ws_session(server_context &ctx, plain_stream stream, const wire::routing_id &room, upgrade_request req);
void start_ws_session(server_context &ctx, tls_stream stream, const wire::routing_id &room, upgrade_request req);

}  // namespace ra::relay
