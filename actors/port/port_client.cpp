#include "actors/port/port_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "actors/auth/credentials.hpp"
#include "actors/port/frame_codec.hpp"

namespace eventbot::port {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct PortClient::Impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
};

PortClient::PortClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PortClient::~PortClient() {
  beast::error_code ignored;
  beast::get_lowest_layer(impl_->ws).expires_after(std::chrono::seconds(2));
  impl_->ws.close(websocket::close_code::normal, ignored);
}

Expected<Ok, std::string> PortClient::send(const wire::Frame& frame) {
  beast::error_code ec;
  impl_->ws.write(asio::buffer(encode_frame(frame)), ec);
  if (ec) return unexpected("sending to the master failed: " + ec.message());
  return Ok{};
}

Expected<wire::Frame, std::string> PortClient::receive(std::chrono::milliseconds timeout) {
  beast::get_lowest_layer(impl_->ws).expires_after(timeout);
  beast::error_code ec;
  impl_->buffer.consume(impl_->buffer.size());
  impl_->ws.read(impl_->buffer, ec);
  if (ec == beast::error::timeout) return unexpected(std::string("the master did not answer in time"));
  if (ec) return unexpected("reading from the master failed: " + ec.message());
  auto data = impl_->buffer.data();
  return decode_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
}

Expected<std::unique_ptr<PortClient>, std::string> PortClient::connect(
    const std::string& host, unsigned short port, wire::Role role, const std::string& name,
    const std::string& password, std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  beast::error_code ec;
  tcp::resolver resolver(impl->io);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return unexpected("cannot resolve " + host + ": " + ec.message());
  auto& stream = beast::get_lowest_layer(impl->ws);
  stream.expires_after(timeout);
  stream.connect(endpoints, ec);
  if (ec) {
    return unexpected("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                      ec.message());
  }
  stream.socket().set_option(tcp::no_delay(true), ec);  // one small frame each way
  impl->ws.read_message_max(kMaxFrameBytes);
  impl->ws.binary(true);
  impl->ws.handshake(host, "/", ec);
  if (ec) return unexpected("WebSocket handshake with the master failed: " + ec.message());

  std::unique_ptr<PortClient> client(new PortClient(std::move(impl)));
  auto challenge = client->receive(timeout);
  if (!challenge) return unexpected(challenge.error());
  if (!challenge->has_challenge()) return unexpected(std::string("the master sent no challenge"));

  wire::Frame hello;
  hello.mutable_hello()->set_role(role);
  hello.mutable_hello()->set_name(name);
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->set_proof(
      auth::proof(auth::credential(name, password), challenge->challenge().nonce()));
  if (auto sent = client->send(hello); !sent) return unexpected(sent.error());

  auto answer = client->receive(timeout);
  if (!answer) return unexpected(answer.error());
  if (answer->has_refused()) {
    return unexpected("the master refused the connection: " + answer->refused().reason());
  }
  if (!answer->has_welcome()) return unexpected(std::string("the master sent no welcome"));
  return client;
}

Expected<std::pair<std::string, unsigned short>, std::string> parse_host_port(
    const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return unexpected("expected HOST:PORT, got '" + text + "'");
  }
  auto port_text = text.substr(colon + 1);
  char* end = nullptr;
  unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
  if (*end != '\0' || port == 0 || port > 65535) {
    return unexpected("bad port '" + port_text + "' in '" + text + "'");
  }
  return std::make_pair(text.substr(0, colon), static_cast<unsigned short>(port));
}

}  // namespace eventbot::port
