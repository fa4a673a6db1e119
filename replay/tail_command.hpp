#pragma once
// `eventbot-replay DIR tail [-n N] [-f]`: the last events of the log, with `list`'s
// filters, and with --follow every event the master appends from then on, as it appends
// them (the store is a secondary instance that catches up with the writer's files).
#include <chrono>
#include <cstdint>
#include <ostream>

#include "replay/list_command.hpp"
#include "store/event_log.hpp"

namespace eventbot::replay {

struct TailOptions {
  ListOptions filters;       // --stream, --type and --json as for list (from/to unused)
  std::uint64_t lines = 10;  // matching events printed from what is stored
  bool follow = false;       // then keep printing new ones
  std::uint64_t count = 0;   // with follow: stop after printing this many new events (0: never)
  std::chrono::milliseconds poll{200};  // how long one wait for new events lasts
};

// Returns when the log is read (without follow), when `count` new events were printed,
// when `out` fails (the reader went away) or on a store error.
int run_tail(store::EventLog& log, const TailOptions& options, std::ostream& out,
             std::ostream& err);

}  // namespace eventbot::replay
