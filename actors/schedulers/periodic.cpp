#include "actors/schedulers/periodic.hpp"

namespace eventbot::schedulers {

PeriodicScheduler::PeriodicScheduler(config::SchedulerConfig config)
    : SchedulerCore(std::move(config)) {}

std::int64_t PeriodicScheduler::period_us() const {
  return config().period * 1'000'000;
}

DecideResult PeriodicScheduler::decide_start(const Start& command) const {
  PeriodicScheduler scratch = *this;
  Decision decision;
  bool first = !started();
  scratch.emit_start_mark(decision, command);
  auto due = timer_due(kPeriodicTimer);
  if (first || !due) {
    scratch.emit_timer_set(decision, kPeriodicTimer, command.now_us);
  } else if (*due > command.now_us + period_us()) {
    scratch.emit_timer_set(decision, kPeriodicTimer, command.now_us + period_us());
  }
  return decision;
}

DecideResult PeriodicScheduler::decide_timer(const TimerDue& command) const {
  auto due = due_now(command, kPeriodicTimer);
  if (!due) return Decision{};
  PeriodicScheduler scratch = *this;
  Decision decision;
  scratch.emit_timer_fired(decision, command.timer, *due);
  auto intent = new_intent(triggered_reason("Periodic"));
  intent.sourcestamps.push_back(branch_sourcestamp());
  scratch.emit_buildset(decision, std::move(intent));
  scratch.emit_timer_set(decision, kPeriodicTimer, command.now_us + period_us());
  return decision;
}

}  // namespace eventbot::schedulers
