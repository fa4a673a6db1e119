#pragma once
// An HTTP/1.1 request with headers of the test's choosing (Cookie, Authorization,
// X-CSRF-Token, Content-Type) for the gateway's login and action tests; every
// Set-Cookie of the answer is kept. One request per connection, with a deadline.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/http_client.hpp"

namespace eventbot::testing {

// The Authorization header's value for HTTP Basic with `user` and `password`.
inline std::string basic_authorization(const std::string& user, const std::string& password) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string in = user + ":" + password;
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned bits = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) bits |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) bits |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(bits >> 18) & 63];
    out += kAlphabet[(bits >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(bits >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[bits & 63] : '=';
  }
  return "Basic " + out;
}

struct HttpAnswer : HttpResponse {
  std::vector<std::string> set_cookies;
};

inline std::optional<HttpAnswer> http_send(
    unsigned short port, const std::string& method, const std::string& target,
    const std::string& body, const std::map<std::string, std::string>& headers,
    std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(deadline);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  if (!ec) http::write(stream, request, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  if (!ec) http::read(stream, buffer, parser, ec);
  if (ec) return std::nullopt;
  HttpAnswer out;
  const auto& response = parser.get();
  out.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
    if (name == "set-cookie") out.set_cookies.emplace_back(field.value());
  }
  out.body = response.body();
  return out;
}

}  // namespace eventbot::testing
