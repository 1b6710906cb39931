// link/transport.hpp — one WebSocket connection to the relay, plain (ws://) or TLS (wss://), behind
// one interface so that link.cpp has a single state machine for both. It dials (resolve, TCP, TLS
// with SNI and certificate + host name verification, WebSocket upgrade in binary mode), then reads
// and writes whole messages. Private to link/.
//
// Thread safety: none of its own. Every call must be made on the executor (a strand) the transport
// was made with, and every completion runs there. Completions keep the transport alive.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace ra::link::detail {

using error_code = boost::system::error_code;
using completion = std::function<void(error_code)>;
using io_completion = std::function<void(error_code, size_t)>;
// A send frame goes out as {head, payload} without copying the payload into one buffer.
using gather = std::array<boost::asio::const_buffer, 2>;

struct transport_options {
  std::string host;                                // DNS name or IP literal (IPv6 without brackets)
  std::string port;                                // "443"
  std::string target;                              // "<prefix>/ws/room/<routing id hex>"
  std::chrono::milliseconds close_timeout{10000};  // bounds a closing handshake
  // wss:// only: the shared client context (trust store), and whether to check the certificate
  // chain and that it names `host`. Null for ws://.
  boost::asio::ssl::context *tls = nullptr;
  bool tls_verify = true;
};

class transport {
 public:
  virtual ~transport() = default;

  // Resolve, connect, TLS handshake (wss), WebSocket upgrade to `target`. No timeout of its own:
  // the caller bounds the whole handshake and calls abort() when it is over.
  virtual void async_open(completion done) = 0;
  // One whole message into `buffer`.
  virtual void async_read(boost::beast::flat_buffer &buffer, io_completion done) = 0;
  // One binary message made of both buffers. At most one write (or close) at a time.
  virtual void async_write(gather buffers, io_completion done) = 0;
  // The closing handshake with `code`/`reason`, bounded by close_timeout. Not during a write.
  virtual void async_close(uint16_t code, const std::string &reason, completion done) = 0;
  // Cancels everything and closes the socket now; pending operations complete with an error.
  virtual void abort() = 0;

  virtual void set_read_limit(size_t bytes) = 0;  // larger messages fail the read (and close 1009)
  virtual bool got_text() const = 0;              // the last message read was a text message
  // The peer's close frame, after a read failed with websocket::error::closed.
  virtual uint16_t close_code() const = 0;
  virtual std::string close_text() const = 0;
  // Called for every WebSocket control frame (ping, pong, close) received: the link counts them as
  // signs of life.
  virtual void on_control(std::function<void()> cb) = 0;

  // A one-line description of an async_open failure: the step, the endpoint and the cause (e.g.
  // "TLS handshake with relay.example:443 failed: certificate verify failed (hostname mismatch)").
  virtual std::string describe_open_error(const error_code &ec) const = 0;
};

std::shared_ptr<transport> make_transport(const boost::asio::any_io_executor &ex, const transport_options &options);

}  // namespace ra::link::detail
