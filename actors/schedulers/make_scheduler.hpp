#pragma once
// The core for one configured scheduler, after checking what the configuration loader
// cannot know about scheduling: regexes compile, a Nightly schedule is in range and can
// ever fire, a Periodic has a positive period, a Dependent names its upstream.
#include <memory>
#include <string_view>

#include "actors/schedulers/scheduler_core.hpp"

namespace eventbot::schedulers {

Expected<std::unique_ptr<SchedulerCore>, SchedulerError> make_scheduler(
    const config::SchedulerConfig& config);

// The core for `config` restored from a snapshot (SchedulerCore::snapshot) taken under
// the same configuration, or why not: the configuration's error, or snapshot_refused
// (another format, type or configuration; not a snapshot), when the caller folds the
// log from scratch with make_scheduler instead.
Expected<std::unique_ptr<SchedulerCore>, SchedulerError> restore_scheduler(
    const config::SchedulerConfig& config, std::string_view snapshot);

}  // namespace eventbot::schedulers
