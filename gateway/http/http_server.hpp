#pragma once
// The gateway's HTTP/1.1 server (Boost.Beast): one I/O thread, keep-alive, the limits of
// HttpLimits. A request that breaks them gets 413 (body), 431 (headers) or 400 (not
// HTTP) and its connection is closed; a client too slow to send its request, or one
// connection over the cap, is closed. The handler runs on the I/O thread; what would
// block it runs first on a worker (Offload).
#include <any>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expected.hpp"
#include "gateway/api/reply.hpp"
#include "gateway/http/forwarded.hpp"
#include "gateway/http/http_limits.hpp"

namespace eventbot::gateway::http {

struct HttpRequest {
  std::string method;  // "GET", ...
  std::string target;  // "/api/v2/builds?limit=1"
  std::string remote;  // "127.0.0.1:53211": the peer
  // Who sent it: the peer's address, or the client a trusted proxy names in
  // X-Forwarded-For (forwarded.hpp); what the login limiter counts and logs show.
  std::string client;
  std::size_t body_bytes = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as sent (names as spelt)
  std::string body;
  // It came over TLS, or a trusted proxy says its client spoke HTTPS (session cookies
  // are then Secure).
  bool tls = false;
  // For a reply marked `deferred`: the handler keeps this and calls it once, from any
  // thread, with the answer (an action that waits for the master).
  std::function<void(api::Reply)> answer_later;
  // What Offload::prepare found out on a worker thread (e.g. who the request is from).
  std::any prepared;

  // The first header of this name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

using Handler = std::function<api::Reply(const HttpRequest&)>;
// Offered every request before the handler (the live updates' /ws and /sse/), with the
// request as the handler would see it (its credentials): true when it took the
// connection, which is then its own (and no longer counted here). Not taken, it may set
// `answer` (a refusal), which is then sent instead of asking the handler.
using Upgrade = std::function<bool(boost::beast::tcp_stream&, boost::beast::flat_buffer&,
                                   boost::beast::http::request<boost::beast::http::string_body>&,
                                   const HttpRequest&, std::optional<api::Reply>& answer)>;

// Work that must not hold the I/O thread (a password's hash, a durable append): for a
// request `slow` picks, `prepare` runs first on one of `threads` worker threads, and
// either answers it (a reply) or leaves what it found in HttpRequest::prepared; the
// request then goes on (upgrade, handler) on the I/O thread. Other connections are
// served meanwhile.
struct Offload {
  std::function<bool(const HttpRequest&)> slow;
  std::function<std::optional<api::Reply>(HttpRequest&)> prepare;
  std::size_t threads = 2;
};

class HttpServer {
 public:
  // Binds at once; an error (port taken, bad address) is returned, not thrown.
  static Expected<std::unique_ptr<HttpServer>, std::string> start(
      const std::string& bind, unsigned short port, const HttpLimits& limits, Handler handler,
      Upgrade upgrade = {}, Offload offload = {}, TrustedProxies proxies = {});
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
