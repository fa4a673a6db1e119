#pragma once
// Force: builds when a user asks (web form, IRC, CLI): the Force command's branch (unset:
// the scheduler's `branch`, else the default branch), revision (empty: the newest),
// repository and project, on the builders it names (none: all of the scheduler's; a
// builder the scheduler does not have is refused with unknown_builder), with its
// properties (JSON values, source "Force Build Form") over the scheduler's. The reason
// reads "A build was forced by '<who>': <reason>", the reason defaulting to the
// scheduler's configured `reason`. No scheduler events: each Force is one buildset.
#include "actors/schedulers/scheduler_core.hpp"

namespace eventbot::schedulers {

class ForceScheduler final : public SchedulerCore {
 public:
  explicit ForceScheduler(config::SchedulerConfig config);

 protected:
  DecideResult decide_force(const Force& command) const override;
};

}  // namespace eventbot::schedulers
