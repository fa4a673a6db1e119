#pragma once
// How long the master's actors wait for each other, and how often they retry: every
// deadline of a request between actors (actors.hpp lists the requests) in one place,
// with why it is that long. CAF 0.17 does not tell a requester that the actor holding
// its promise died, so no request waits without one of these. The slave protocol's own
// timings (heartbeats, grace, chunk sizes) are in events/wire_defaults.hpp.
#include <chrono>

namespace eventbot::defaults {

// The master's start: the supervisor folds the whole log (from the snapshots when there
// are, else from the first event) into every scheduler and the distributor before it
// answers. A log of millions of events without snapshots takes minutes on a slow disk;
// past this the master gives up starting rather than hang.
inline constexpr std::chrono::minutes kInitTimeout{10};

// A reconfig: the supervisor restarts the changed schedulers, each folding the log
// again (a changed scheduler's snapshot is refused), and the distributor rebuilds its
// state from the log. Running builds go on meanwhile.
inline constexpr std::chrono::minutes kReconfigTimeout{2};
// `eventbot reconfig` waits for the master's answer in master.log this much longer than
// the master waits for the supervisor: the master reads and checks master.yaml before it
// asks, and writes the answer after. The command must never give up on a reconfig that
// then succeeds.
inline constexpr std::chrono::seconds kReconfigReportMargin{30};
inline constexpr std::chrono::seconds kReconfigWait = kReconfigTimeout + kReconfigReportMargin;

// A command to a scheduler (a force, a trigger step's buildset): the scheduler answers
// once it has decided, which may wait for the log to hand back its own last append (one
// synced write). 30 s covers a store stalled by a compaction; a caller that hears
// nothing by then reports "timeout" rather than guess.
inline constexpr std::chrono::seconds kCommandTimeout{30};

// A build hands its step's command to the slave's actor, which answers at once (taken or
// "not attached"): the deadline only matters when that actor is stuck.
inline constexpr std::chrono::seconds kRunTimeout{30};
// While the slave is not attached, the build asks again this often until the slave's
// re-attach grace (wire_defaults::kReattachGrace) is over: a re-attached slave gets its
// command within a fifth of a second, and 5 asks a second cost nothing.
inline constexpr std::chrono::milliseconds kAttachPoll{200};

// A build's final events the store refused (a full disk, a failed write): the build
// records its end again this often until the store takes it, so a build never ends
// without its result in the log.
inline constexpr std::chrono::seconds kRecordRetry{2};

}  // namespace eventbot::defaults
