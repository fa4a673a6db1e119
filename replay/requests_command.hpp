#pragma once
// `eventbot-replay DIR requests`: every build request with its buildset, builder,
// priority, submit time and state (pending, claimed, completed, cancelled), by id.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "replay/history.hpp"
#include "store/event_log.hpp"

namespace eventbot::replay {

struct RequestsOptions {
  std::string builder;  // only this builder's requests; "" for all
  bool json = false;    // one JSON object per request, one a line
};

// Prints every build request (of options.builder) to `out`, by id. An unknown builder is
// kExitNotFound (as for `builds`).
int run_requests(store::EventLog& log, const RequestsOptions& options, std::ostream& out,
                 std::ostream& err);

// Shared with `state` and `why`: one request as JSON (the keys of `requests --json`) and
// as one line of text (no line break).
nlohmann::json request_to_json(const RequestRecord& request);
std::string request_text(const RequestRecord& request);

}  // namespace eventbot::replay
