#pragma once
// A small HTTP/1.1 client for tests over real sockets on 127.0.0.1: one request per
// connection (Boost.Beast, chunked bodies decoded), or raw bytes for what a well-behaved
// client would never send. Every call has a deadline; nothing throws.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace eventbot::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// `method` `target` on 127.0.0.1:port; nothing if the connection failed or no complete
// answer came within `deadline` (`error`, when given, says why).
inline std::optional<HttpResponse> http_request(
    unsigned short port, const std::string& method, const std::string& target,
    const std::string& body = "", std::chrono::milliseconds deadline = std::chrono::seconds(10),
    std::string* error = nullptr) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(deadline);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  if (request.method() == http::verb::unknown) request.method_string(method);
  request.set(http::field::host, "127.0.0.1");
  request.body() = body;
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.prepare_payload();
  if (!ec) http::write(stream, request, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1u << 30);
  parser.skip(request.method() == http::verb::head);  // its Content-Length, but no body
  if (!ec) http::read(stream, buffer, parser, ec);
  if (ec) {
    if (error) *error = ec.message();
    return std::nullopt;
  }
  HttpResponse out;
  const auto& response = parser.get();
  out.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  out.body = response.body();
  return out;
}

inline std::optional<HttpResponse> http_get(unsigned short port, const std::string& target) {
  return http_request(port, "GET", target);
}

// Sends `bytes` as they are, then reads until the server closes the connection or the
// deadline passes; what came back, and whether the server closed it.
struct RawExchange {
  bool connected = false;
  bool closed_by_server = false;
  std::string received;
};

inline RawExchange http_raw(unsigned short port, const std::string& bytes,
                            std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  RawExchange out;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(deadline);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return out;
  out.connected = true;
  if (!bytes.empty()) asio::write(stream.socket(), asio::buffer(bytes), ec);
  // A server that closes early may reset the write: still read what it answered.
  char data[4096];
  for (;;) {
    stream.expires_after(deadline);
    auto n = stream.read_some(asio::buffer(data), ec);
    out.received.append(data, n);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) {
      out.closed_by_server = true;
      break;
    }
    if (ec) break;  // the deadline
  }
  return out;
}

}  // namespace eventbot::testing
