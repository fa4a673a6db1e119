#pragma once
// `eventbot-replay DIR list`: the events of the log, one a line, filtered.
#include <cstdint>
#include <ostream>
#include <string>

#include "store/event_log.hpp"

namespace eventbot::replay {

struct ListOptions {
  std::uint64_t from = 1;     // first sequence shown
  std::uint64_t to = 0;       // last sequence shown; 0 = the head when the listing starts
  std::string stream_prefix;  // keep events whose stream starts with this; "" keeps all
  std::string type;           // keep events of this type name; "" keeps all
  bool json = false;          // JSON lines instead of plain lines
};

// Whether an event passes the filters (stream prefix, type).
bool event_matches(const ListOptions& options, const events::Envelope& envelope);
// The event as a line: JSON with options.json, else text.
std::string format_for(const ListOptions& options, const events::Envelope& envelope);

// Prints the matching events to `out`. On a store error (a corrupt record) the events
// before it are printed, then the error goes to `err`. Returns an ExitCode.
int run_list(store::EventLog& log, const ListOptions& options, std::ostream& out,
             std::ostream& err);

}  // namespace eventbot::replay
