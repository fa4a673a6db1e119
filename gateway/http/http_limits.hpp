#pragma once
// What one HTTP client may make the gateway hold: Beast's parser limits (the body's chosen
// by the target, once the header is read), a deadline to
// send a request (its header and body; also how long an idle keep-alive connection
// stays), and a cap on open connections (one over it is closed at once).
#include <chrono>
#include <cstddef>
#include <string>

namespace eventbot::gateway::http {

struct HttpLimits {
  std::size_t header_limit = 16 * 1024;  // bytes of request line and headers: else 431
  std::size_t body_limit = 64 * 1024;    // bytes of body: else 413
  // Requests whose target starts with large_body_prefix (the change hooks: a GitHub push
  // may carry megabytes) may send up to large_body_limit bytes of body instead.
  std::string large_body_prefix = "/change_hook/";
  std::size_t large_body_limit = 5 * 1024 * 1024;
  std::chrono::milliseconds request_timeout{10'000};
  std::size_t max_connections = 512;
};

}  // namespace eventbot::gateway::http
