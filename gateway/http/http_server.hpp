#pragma once
// The gateway's HTTP/1.1 server (Boost.Beast): one I/O thread, keep-alive, the limits of
// HttpLimits. A request that breaks them gets 413 (body), 431 (headers) or 400 (not
// HTTP) and its connection is closed; a client too slow to send its request, or one
// connection over the cap, is closed. The handler runs on the I/O thread.
#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expected.hpp"
#include "gateway/api/reply.hpp"
#include "gateway/http/http_limits.hpp"

namespace eventbot::gateway::http {

struct HttpRequest {
  std::string method;  // "GET", ...
  std::string target;  // "/api/v2/builds?limit=1"
  std::string remote;  // "127.0.0.1:53211"
  std::size_t body_bytes = 0;
  // The request's header fields (names as sent) and body: what the change hooks read.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first value of the header `name` (any case); empty if absent.
  std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key.size() == name.size() &&
          std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return value;
      }
    }
    return {};
  }
};

using Handler = std::function<api::Reply(const HttpRequest&)>;

class HttpServer {
 public:
  // Binds at once; an error (port taken, bad address) is returned, not thrown.
  static Expected<std::unique_ptr<HttpServer>, std::string> start(const std::string& bind,
                                                                  unsigned short port,
                                                                  const HttpLimits& limits,
                                                                  Handler handler);
  ~HttpServer();
  unsigned short port() const;
  std::size_t open_connections() const;
  void stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eventbot::gateway::http
