#pragma once
// A WebSocket over TCP, in the clear or inside TLS, chosen at run time: the master's
// port and its clients hold one and call the same operations either way. Frames are
// binary messages of at most kMaxFrameBytes (less where set_read_limit says).
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "actors/port/tls.hpp"

namespace eventbot::port {

class WsStream {
 public:
  using Plain = boost::beast::websocket::stream<boost::beast::tcp_stream>;
  using Tls = boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;
  // "" once the handshake succeeded, else what failed, for a log line or an error.
  using Done = std::function<void(std::string problem)>;

  // Over `tcp` (connected or not yet), inside TLS when `tls` is set.
  WsStream(boost::beast::tcp_stream tcp, std::shared_ptr<TlsContext> tls);

  bool tls() const { return tls_ != nullptr; }
  boost::beast::tcp_stream& tcp();
  boost::beast::tcp_stream::executor_type get_executor() { return tcp().get_executor(); }

  // The server's side, once the first bytes are in `already_read`: the TLS handshake
  // (when TLS) and the WebSocket upgrade. Takes the bytes it used from `already_read`.
  void async_accept(boost::beast::flat_buffer& already_read, Done done);
  // The client's side: the TLS handshake verifying that the master's certificate names
  // `host` (when TLS), then the WebSocket upgrade; a declined upgrade reports the
  // master's reason.
  void async_handshake(const std::string& host, Done done);

  template <class Handler>
  void async_read(boost::beast::flat_buffer& buffer, Handler&& handler) {
    std::visit([&](auto& ws) { ws.async_read(buffer, std::forward<Handler>(handler)); }, stream_);
  }
  template <class Handler>
  void async_write(boost::asio::const_buffer bytes, Handler&& handler) {
    std::visit([&](auto& ws) { ws.async_write(bytes, std::forward<Handler>(handler)); }, stream_);
  }
  template <class Handler>
  void async_close(const boost::beast::websocket::close_reason& why, Handler&& handler) {
    std::visit([&](auto& ws) { ws.async_close(why, std::forward<Handler>(handler)); }, stream_);
  }
  // The largest message a read accepts from now on (the port keeps it small until login).
  void set_read_limit(std::size_t bytes) {
    std::visit([&](auto& ws) { ws.read_message_max(bytes); }, stream_);
  }
  // Why the peer closed (after a read ended with websocket::error::closed).
  std::string close_reason() const;

 private:
  template <class Handler>
  void upgrade_as_client(const std::string& host, Handler&& handler);

  std::shared_ptr<TlsContext> tls_;  // outlives the stream that refers to it
  std::variant<Plain, Tls> stream_;
};

}  // namespace eventbot::port
