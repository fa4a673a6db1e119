#pragma once
// `eventbot-replay DIR why BUILDER NUMBER`: the chain of facts that led to a build:
// the build <- its requests <- their buildsets (scheduler, reason, triggering parent,
// the timer that fired) <- the changes in their source stamps.
#include <cstdint>
#include <ostream>
#include <string>

#include "store/event_log.hpp"

namespace eventbot::replay {

struct WhyOptions {
  std::string builder;
  std::uint32_t number = 0;
  bool json = false;  // one JSON object instead of the indented chain
};

// Reads only the streams of the chain (build/<b>/<n>, buildrequest/<id>, buildset/<id>,
// the changes at their ids, and a few events before each buildset for the timer that
// fired). A build not in the log is kExitNotFound.
int run_why(store::EventLog& log, const WhyOptions& options, std::ostream& out, std::ostream& err);

}  // namespace eventbot::replay
