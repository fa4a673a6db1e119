#pragma once
// `eventbot-replay DIR step`: walks the log one event at a time (or one build's events),
// showing each event and what it changes in the master's state (the `diff` of the state
// just before it and just after it). Keys: n (or Enter) next, p previous, q quit; read as
// characters from `in`, so it works in any terminal without a mouse and with piped input.
#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

#include "store/event_log.hpp"

namespace eventbot::replay {

struct StepOptions {
  std::uint64_t from = 1;  // the first event shown (all events mode)
  std::string builder;     // with number: only this build's events (its stream)
  std::uint32_t number = 0;
  bool by_build = false;
};

int run_step(store::EventLog& log, const StepOptions& options, std::istream& in, std::ostream& out,
             std::ostream& err);

}  // namespace eventbot::replay
