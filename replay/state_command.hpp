#pragma once
// `eventbot-replay DIR state --at SEQ|TIME`: the master's state as of one point of the log:
// every scheduler's folded state (pending timers, classified changes), each builder's
// pending requests and running builds, each slave's state, the locks held.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "store/event_log.hpp"

namespace eventbot::replay {

struct StateOptions {
  // A whole number: a sequence (0 is the empty state before the first event). Anything
  // else: an ISO-8601 time with a zone (2026-11-22T10:00:00Z), meaning the last event at
  // or before it (see README.md). A bad value or a sequence past the head is kExitUsage.
  std::string at;
  bool json = false;  // one JSON object instead of text
};

// The point an --at names: a sequence, or a time in microseconds since the epoch.
struct StatePoint {
  bool is_head = false;  // "now": the head of the log when the command runs
  bool is_time = false;
  std::uint64_t sequence = 0;
  std::int64_t time_us = 0;
};
// Parses --at; nothing if it is neither a sequence, a time nor "now".
std::optional<StatePoint> parse_state_point(const std::string& text);

int run_state(store::EventLog& log, const StateOptions& options, std::ostream& out,
              std::ostream& err);

}  // namespace eventbot::replay
