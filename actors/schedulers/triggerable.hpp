#pragma once
// Triggerable: builds only when a Trigger step asks, with the step's source stamps and
// properties (source "Trigger" unless the step names one) over its own (source
// "Scheduler"), on all its builders, with parent_buildset_id = the triggering build's
// buildset. It keeps no state and appends no scheduler events: each Trigger is one
// buildset (a step that triggers twice gets two).
#include "actors/schedulers/scheduler_core.hpp"

namespace eventbot::schedulers {

class TriggerableScheduler final : public SchedulerCore {
 public:
  explicit TriggerableScheduler(config::SchedulerConfig config);

 protected:
  DecideResult decide_trigger(const Trigger& command) const override;
};

}  // namespace eventbot::schedulers
