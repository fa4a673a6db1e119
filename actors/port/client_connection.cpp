#include "actors/port/client_connection.hpp"

#include <cstdlib>

#include "actors/auth/credentials.hpp"
#include "actors/port/frame_codec.hpp"
#include "actors/port/handshake.hpp"

namespace eventbot::port {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

ClientConnection::ClientConnection(std::shared_ptr<TlsContext> tls)
    : ws_(beast::tcp_stream(io_), std::move(tls)) {}

ClientConnection::~ClientConnection() {
  beast::error_code ignored;
  ws_.tcp().socket().close(ignored);
}

bool ClientConnection::run_until(const bool& done) {
  io_.restart();
  while (!done && io_.run_one() > 0) {
  }
  return done;
}

Expected<wire::Frame, std::string> ClientConnection::read_frame(std::chrono::milliseconds timeout) {
  buffer_.consume(buffer_.size());
  ws_.tcp().expires_after(timeout);
  bool done = false;
  beast::error_code result;
  ws_.async_read(buffer_, [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!run_until(done) || result == beast::error::timeout) {
    return unexpected(std::string("the master did not answer in time"));
  }
  if (result) return unexpected("reading from the master failed: " + result.message());
  auto data = buffer_.data();
  auto frame = decode_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
  buffer_.consume(buffer_.size());
  if (!frame) return unexpected("the master sent a bad frame: " + frame.error());
  return frame;
}

Expected<Ok, std::string> ClientConnection::write_frame(const wire::Frame& frame,
                                                        std::chrono::milliseconds timeout) {
  auto bytes = encode_frame(frame);
  ws_.tcp().expires_after(timeout);
  bool done = false;
  beast::error_code result;
  ws_.async_write(asio::buffer(bytes), [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!run_until(done) || result == beast::error::timeout) {
    return unexpected(std::string("sending to the master timed out"));
  }
  if (result) return unexpected("sending to the master failed: " + result.message());
  return Ok{};
}

void ClientConnection::close(std::chrono::milliseconds timeout) {
  ws_.tcp().expires_after(timeout);
  bool done = false;
  ws_.async_close(beast::websocket::close_code::normal, [&](beast::error_code) { done = true; });
  run_until(done);
}

Expected<std::unique_ptr<ClientConnection>, ConnectError> ClientConnection::open(
    const MasterAddress& master, wire::Role role, const std::string& name,
    const std::string& password, std::chrono::milliseconds timeout) {
  std::shared_ptr<TlsContext> tls;
  if (master.tls.enabled) {
    auto context = make_client_tls(master.tls);
    if (!context) return unexpected(ConnectError{context.error()});
    tls = std::move(*context);
  }
  std::unique_ptr<ClientConnection> connection(new ClientConnection(std::move(tls)));
  auto& c = *connection;
  const auto where = master.host + ":" + std::to_string(master.port);

  // Name lookup too within the deadline: a resolver that never answers is a failed try.
  beast::error_code ec;
  tcp::resolver resolver(c.io_);
  tcp::resolver::results_type endpoints;
  bool done = false;
  resolver.async_resolve(master.host, std::to_string(master.port),
                         [&](beast::error_code e, tcp::resolver::results_type results) {
                           ec = e;
                           endpoints = std::move(results);
                           done = true;
                         });
  asio::steady_timer resolve_deadline(c.io_, timeout);
  resolve_deadline.async_wait([&](beast::error_code e) {
    if (!e) resolver.cancel();
  });
  c.run_until(done);
  resolve_deadline.cancel();
  if (ec) return unexpected(ConnectError{"cannot resolve " + master.host + ": " + ec.message()});
  auto& stream = c.ws_.tcp();
  stream.expires_after(timeout);
  done = false;
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint& used) {
    ec = e;
    if (!e) c.remote_ = used.address().to_string() + ":" + std::to_string(used.port());
    done = true;
  });
  if (!c.run_until(done) || ec) {
    return unexpected(ConnectError{"cannot connect to " + where + ": " +
                                   (ec ? ec.message() : std::string("no answer"))});
  }
  // One small frame at a time each way: without this Nagle's algorithm holds each ~40 ms.
  stream.socket().set_option(tcp::no_delay(true), ec);

  stream.expires_after(timeout);
  done = false;
  std::string problem;
  c.ws_.async_handshake(master.host, [&](std::string p) {
    problem = std::move(p);
    done = true;
  });
  if (!c.run_until(done)) problem = "the handshake with the master did not finish";
  if (!problem.empty()) return unexpected(ConnectError{problem});

  auto challenge = c.read_frame(timeout);
  if (!challenge) return unexpected(ConnectError{challenge.error()});
  if (!challenge->has_challenge()) return unexpected(ConnectError{"the master sent no challenge"});

  ClientHandshake handshake(role, name, password);
  if (auto sent = c.write_frame(handshake.hello(challenge->challenge()), timeout); !sent) {
    return unexpected(ConnectError{sent.error()});
  }
  auto answer = c.read_frame(timeout);
  if (!answer) return unexpected(ConnectError{answer.error()});
  if (answer->has_server_first()) {
    auto final = handshake.final_message(answer->server_first());
    if (!final) return unexpected(ConnectError{final.error()});
    if (auto sent = c.write_frame(*final, timeout); !sent) {
      return unexpected(ConnectError{sent.error()});
    }
    answer = c.read_frame(timeout);
    if (!answer) return unexpected(ConnectError{answer.error()});
  }
  if (answer->has_refused()) return unexpected(ConnectError{answer->refused().reason(), true});
  if (!answer->has_welcome()) return unexpected(ConnectError{"the master sent no welcome"});
  if (auto proven = handshake.check_welcome(answer->welcome()); !proven) {
    return unexpected(ConnectError{proven.error()});
  }
  c.master_id_ = answer->welcome().master_id();
  stream.expires_never();
  return connection;
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
