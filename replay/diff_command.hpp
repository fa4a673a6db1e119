#pragma once
// `eventbot-replay DIR diff --at A --at B`: what changed between two points of the log,
// per projection: builds started and finished, requests queued and gone from the queues,
// running builds, slaves, schedulers' pending changes and timers, locks, open buildsets.
// Each point is what `state --at` takes (a sequence, a time, or `now`); the two states
// are `state`'s own, compared.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "store/event_log.hpp"

namespace eventbot::replay {

struct DiffOptions {
  std::string from;  // the first --at
  std::string to;    // the second --at
  bool json = false;
};

// `state --at` as JSON (its own JSON), or its exit code and error line.
struct StateAt {
  int code = 0;
  std::string error;
  nlohmann::json state;
};
StateAt state_at(store::EventLog& log, const std::string& at);

// What changed from state `a` to state `b` (both `state --at` JSON), without the builds
// started and finished (those are read from the events between).
nlohmann::json diff_states(const nlohmann::json& a, const nlohmann::json& b);
// The diff as text lines.
void print_diff_text(std::ostream& out, const nlohmann::json& diff);

int run_diff(store::EventLog& log, const DiffOptions& options, std::ostream& out,
             std::ostream& err);

}  // namespace eventbot::replay
