#pragma once
// Nightly: builds at the minutes its cron fields allow, in the master's local time
// (nightly_calendar.hpp), on its `branch` (unset: the default branch "").
//   - One timer, "nightly", always pending once started; firing it sets the next one,
//     computed from the time it fired.
//   - Missed runs: if the master was down when the timer was due, the timer is overdue
//     after the restart and fires once at once (the actor arms overdue timers
//     immediately); the runs missed in between are folded into that one, and the
//     schedule resumes from then. A build missed while down is never silently lost.
//   - Start re-plans a timer still in the future if the schedule changed (reconfig).
//   - only_if_changed: the changes on the branch that pass the filter are classified as
//     they come; a due time with no important change pending builds nothing (the timer
//     still moves on); otherwise the buildset includes every pending change. Without
//     only_if_changed changes are ignored and the buildset names the branch at its
//     newest revision.
#include "actors/schedulers/change_scheduler.hpp"
#include "actors/schedulers/nightly_calendar.hpp"

namespace eventbot::schedulers {

class NightlyScheduler final : public ChangeScheduler {
 public:
  NightlyScheduler(config::SchedulerConfig config, ChangeFilter filter);

 protected:
  std::unique_ptr<ChangeScheduler> clone() const override;
  DecideResult decide_start(const Start& command) const override;
  DecideResult decide_timer(const TimerDue& command) const override;

 private:
  void plan(Decision& decision, std::int64_t now_us);

  CronSpec spec_;
};

}  // namespace eventbot::schedulers
