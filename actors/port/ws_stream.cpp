#include "actors/port/ws_stream.hpp"

#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http.hpp>

#include "actors/port/frame_codec.hpp"

namespace eventbot::port {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;

namespace {

std::variant<WsStream::Plain, WsStream::Tls> make_stream(beast::tcp_stream tcp,
                                                         const std::shared_ptr<TlsContext>& tls) {
  using Variant = std::variant<WsStream::Plain, WsStream::Tls>;
  if (tls) return Variant(std::in_place_type<WsStream::Tls>, std::move(tcp), *tls);
  return Variant(std::in_place_type<WsStream::Plain>, std::move(tcp));
}

// The server times the WebSocket out itself; clients bound each step with the TCP
// stream's expiry instead (the two must not be mixed).
template <class Ws>
void set_frame_options(Ws& ws, beast::role_type role) {
  if (role == beast::role_type::server) {
    ws.set_option(websocket::stream_base::timeout::suggested(role));
  }
  ws.read_message_max(kMaxFrameBytes);
  ws.binary(true);
}

// At most `limit` bytes of a peer's text for a log line, control bytes replaced.
std::string printable_prefix(const std::string& text, std::size_t limit) {
  std::string out = text.substr(0, limit);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// What OpenSSL's terse reasons usually mean for someone setting up a slave.
std::string tls_hint(const beast::error_code& ec, bool client) {
  auto text = ec.message();
  if (client && text.find("certificate verify failed") != std::string::npos) {
    return " (the master's certificate is not signed by a trusted authority or does not name "
           "this host: check the CA file and the master's address)";
  }
  if (client && (ec == asio::error::eof || ec == asio::error::connection_reset ||
                 ec == ssl::error::stream_truncated ||
                 text.find("wrong version number") != std::string::npos)) {
    return " (does the master's port use TLS? it needs master.tls in master.yaml)";
  }
  return {};
}

}  // namespace

WsStream::WsStream(beast::tcp_stream tcp, std::shared_ptr<TlsContext> tls)
    : tls_(std::move(tls)), stream_(make_stream(std::move(tcp), tls_)) {}

beast::tcp_stream& WsStream::tcp() {
  return std::visit([](auto& ws) -> beast::tcp_stream& { return beast::get_lowest_layer(ws); },
                    stream_);
}

std::string WsStream::close_reason() const {
  return std::visit(
      [](const auto& ws) {
        const auto& reason = ws.reason().reason;
        return std::string(reason.data(), reason.size());
      },
      stream_);
}

void WsStream::async_accept(beast::flat_buffer& already_read, Done done) {
  if (auto* plain = std::get_if<Plain>(&stream_)) {
    set_frame_options(*plain, beast::role_type::server);
    auto bytes = already_read.data();
    plain->async_accept(bytes, [&already_read, done = std::move(done)](beast::error_code ec) {
      already_read.consume(already_read.size());
      done(ec ? "WebSocket handshake failed: " + ec.message() : std::string());
    });
    return;
  }
  auto& secure = std::get<Tls>(stream_);
  set_frame_options(secure, beast::role_type::server);
  secure.next_layer().async_handshake(
      ssl::stream_base::server, already_read.data(),
      [&secure, &already_read, done = std::move(done)](beast::error_code ec,
                                                       std::size_t used) mutable {
        already_read.consume(used);
        if (ec) return done("TLS handshake failed: " + ec.message() + tls_hint(ec, false));
        secure.async_accept([done = std::move(done)](beast::error_code ec) {
          done(ec ? "WebSocket handshake failed: " + ec.message() : std::string());
        });
      });
}

template <class Handler>
void WsStream::upgrade_as_client(const std::string& host, Handler&& handler) {
  std::visit([&](auto& ws) { set_frame_options(ws, beast::role_type::client); }, stream_);
  // The response is kept for its body: a master that declines says why there.
  auto response = std::make_shared<websocket::response_type>();
  std::visit(
      [&](auto& ws) {
        ws.async_handshake(
            *response, host, "/",
            [response, handler = std::forward<Handler>(handler)](beast::error_code ec) mutable {
              if (ec == websocket::error::upgrade_declined && !response->body().empty()) {
                return handler("the master declined the connection: " +
                               printable_prefix(response->body(), 200));
              }
              handler(ec ? "WebSocket handshake with the master failed: " + ec.message()
                         : std::string());
            });
      },
      stream_);
}

void WsStream::async_handshake(const std::string& host, Done done) {
  auto* secure = std::get_if<Tls>(&stream_);
  if (!secure) return upgrade_as_client(host, std::move(done));
  auto& tls = secure->next_layer();
  beast::error_code not_an_address;
  asio::ip::make_address(host, not_an_address);
  // OpenSSL checks the name (or the address) itself, so that a mismatch is reported as
  // such in the verify result; Server Name Indication is for names only (RFC 6066).
  SSL* native = tls.native_handle();
  if (not_an_address) {
    SSL_set_tlsext_host_name(native, host.c_str());
    SSL_set1_host(native, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native), host.c_str());
  }
  tls.async_handshake(ssl::stream_base::client, [this, host, native, done = std::move(done)](
                                                    beast::error_code ec) mutable {
    if (ec) {
      std::string why = ec.message();
      const long verified = SSL_get_verify_result(native);
      if (verified != X509_V_OK) {
        why += std::string(" (") + X509_verify_cert_error_string(verified) + ")";
      }
      return done("TLS handshake with the master failed: " + why + tls_hint(ec, true));
    }
    upgrade_as_client(host, std::move(done));
  });
}

}  // namespace eventbot::port
