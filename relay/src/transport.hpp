// relay/transport.hpp — the two byte streams a session runs over: plain TCP, or TLS over TCP.
// Sessions are templates over these and are instantiated for both in their .cpp files.
// Thread safety: Asio streams; used from the relay's io_context thread only.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace ra::relay {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

}  // namespace ra::relay
