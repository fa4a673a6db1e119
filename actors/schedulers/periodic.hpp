#pragma once
// Periodic: a build every `period` seconds, of its `branch` (unset: the default branch)
// at the newest revision. As Buildbot's timed.Periodic, the first build comes as soon as
// the scheduler first starts, and each next one `period` seconds after the previous one
// fired. One timer, "periodic".
//   - Missed runs: a timer that came due while the master was down fires once at once
//     after the restart, and the next one is `period` after that.
//   - Start pulls a pending timer in if it is further than `period` away (reconfig with
//     a shorter period).
#include "actors/schedulers/scheduler_core.hpp"

namespace eventbot::schedulers {

class PeriodicScheduler final : public SchedulerCore {
 public:
  explicit PeriodicScheduler(config::SchedulerConfig config);
  PeriodicScheduler(const PeriodicScheduler&) = default;

 protected:
  DecideResult decide_start(const Start& command) const override;
  DecideResult decide_timer(const TimerDue& command) const override;

 private:
  std::int64_t period_us() const;
};

}  // namespace eventbot::schedulers
