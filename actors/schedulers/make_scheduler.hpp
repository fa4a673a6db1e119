#pragma once
// The core for one configured scheduler, after checking what the configuration loader
// cannot know about scheduling: regexes compile, a Nightly schedule is in range and can
// ever fire, a Periodic has a positive period, a Dependent names its upstream.
#include <memory>

#include "actors/schedulers/scheduler_core.hpp"

namespace eventbot::schedulers {

Expected<std::unique_ptr<SchedulerCore>, SchedulerError> make_scheduler(
    const config::SchedulerConfig& config);

}  // namespace eventbot::schedulers
