#pragma once
// Values programs supply (the git poller's commit data): a repository's history is not
// ours to refuse, so a change is made fit instead of dropped: every text valid UTF-8
// (invalid bytes replaced by U+FFFD) and within its limit (cut with a marker,
// limits.hpp); a file list longer than kMaxFiles keeps its first files and says in the
// comments how many more there were.
#include "events/events.pb.h"

namespace eventbot::intake {

void bound_program_change(events::ChangeAdded& change);

}  // namespace eventbot::intake
