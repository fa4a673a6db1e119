#pragma once
// What caused a decision's events (docs/EVENTS.md, "Causes and chains"). Pure: the actor
// knows which event its command came from (the change or the BuildsetCompleted it
// folded, the Trigger step's StepStarted); this sets the links and each buildset's
// BuildsetCause on the append that records the decision.
//
// - A TimerDue decision starts a chain at its SchedulerTimerFired: every other event of
//   the decision (the next SchedulerTimerSet, the buildsets) is caused by it.
// - Otherwise the scheduler's events and buildsets are caused by the command's event
//   (`cause`); without one (Start, Force) a buildset starts its chain.
// - Each BuildRequestSubmitted is caused by its BuildsetSubmitted.
#include "actors/schedulers/scheduler_core.hpp"
#include "store/event_log.hpp"

namespace eventbot::schedulers {

// The BuildsetCause of a buildset submitted by `command`; `fired` is the decision's
// SchedulerTimerFired, if it has one.
events::BuildsetCause buildset_cause(const Command& command,
                                     const events::BuildsetSubmitted& buildset,
                                     const events::SchedulerTimerFired* fired);

// Links the events of `request` (to_append_request of a decision on `command`) and
// records each buildset's cause. `cause` is the event the command came from (unknown:
// none).
void link_decision(store::AppendRequest& request, const Command& command,
                   const events::Cause& cause);

}  // namespace eventbot::schedulers
