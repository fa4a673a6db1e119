#pragma once
// `eventbot-replay DIR why BUILDER NUMBER`: the chain of facts that led to a build:
// the build <- its requests <- their buildsets (scheduler, reason, what caused them: the
// change, the timer that fired, the forcing user, the Trigger step of the parent build,
// whose own chain follows) <- the changes in their source stamps. It follows the links the
// master records (causation ids, BuildsetSubmitted.cause); a log written without them is
// explained by the events appended with each buildset and the force scheduler's reason.
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
// the changes at their ids, the event each buildset's causation_id names, or in an older
// log a few events before each buildset for the timer that fired). A build not in the log
// is kExitNotFound.
int run_why(store::EventLog& log, const WhyOptions& options, std::ostream& out, std::ostream& err);

}  // namespace eventbot::replay
