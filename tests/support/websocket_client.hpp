#pragma once
// A small WebSocket client for tests over real sockets on 127.0.0.1 (Boost.Beast,
// synchronous, every read with a deadline; nothing throws). `receive_buffer` shrinks the
// socket's receive buffer before connecting, so a client that stops reading makes the
// server's writes stall soon.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace eventbot::testing {

class WebSocketClient {
 public:
  // Connects to ws://127.0.0.1:port/target, the handshake carrying `headers` (Cookie,
  // Authorization); false (with `error`) if it could not.
  bool connect(unsigned short port, const std::string& target = "/ws", int receive_buffer = 0,
               const std::map<std::string, std::string>& headers = {}) {
    namespace asio = boost::asio;
    boost::beast::error_code ec;
    auto& socket = ws_.next_layer().socket();
    socket.open(asio::ip::tcp::v4(), ec);
    if (!ec && receive_buffer > 0) {
      socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer), ec);
    }
    ws_.next_layer().expires_after(std::chrono::seconds(10));
    if (!ec) ws_.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    ws_.set_option(boost::beast::websocket::stream_base::decorator(
        [headers](boost::beast::websocket::request_type& request) {
          for (const auto& [name, value] : headers) request.set(name, value);
        }));
    if (!ec) ws_.handshake("127.0.0.1:" + std::to_string(port), target, ec);
    if (ec) {
      error = ec.message();
      return false;
    }
    ws_.text(true);
    return true;
  }

  bool send(const std::string& text) {
    boost::beast::error_code ec;
    ws_.next_layer().expires_after(std::chrono::seconds(10));
    ws_.write(boost::asio::buffer(text), ec);
    if (ec) error = ec.message();
    return !ec;
  }

  // The next message, or nothing if none came within `deadline` (or the connection ended;
  // then `closed` is set).
  std::optional<std::string> receive(
      std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    boost::beast::error_code ec;
    ws_.next_layer().expires_after(deadline);
    buffer_.consume(buffer_.size());
    ws_.read(buffer_, ec);
    if (ec) {
      error = ec.message();
      closed = true;  // a timed-out WebSocket cannot be read on either
      return std::nullopt;
    }
    return boost::beast::buffers_to_string(buffer_.data());
  }

  std::string error;
  bool closed = false;

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_{io_};
  boost::beast::flat_buffer buffer_;
};

}  // namespace eventbot::testing
