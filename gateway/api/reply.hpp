#pragma once
// What the gateway answers a request with, before HTTP: status, type, body, headers, or
// a body produced piece by piece (a raw log) that the server streams in chunks.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/event_log.hpp"

namespace eventbot::gateway::api {

struct Reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body: called with the position to go on from (first 1), hands the next
  // piece to the sink and returns the position after it; the same position: the end.
  std::function<store::StoreResult<std::uint64_t>(std::uint64_t,
                                                  const std::function<void(std::string_view)>&)>
      stream;
  // The answer comes later, through the request's answer_later (nothing else is used).
  bool deferred = false;
};

inline Reply json_reply(unsigned status, const nlohmann::json& body) {
  Reply reply;
  reply.status = status;
  reply.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return reply;
}

// Buildbot's error shape: {"error": "..."}.
inline Reply error_reply(unsigned status, const std::string& message) {
  return json_reply(status, {{"error", message}});
}

}  // namespace eventbot::gateway::api
