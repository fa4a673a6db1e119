#include "actors/schedulers/nightly.hpp"

namespace eventbot::schedulers {

NightlyScheduler::NightlyScheduler(config::SchedulerConfig config, ChangeFilter filter)
    : ChangeScheduler(config, std::move(filter), config.branch.value_or(""),
                      config.only_if_changed),
      spec_(cron_spec(config)) {}

std::unique_ptr<ChangeScheduler> NightlyScheduler::clone() const {
  return std::make_unique<NightlyScheduler>(*this);
}

void NightlyScheduler::plan(Decision& decision, std::int64_t now_us) {
  auto next = next_fire_us(spec_, now_us);
  if (next && timer_due(kNightlyTimer) != next) emit_timer_set(decision, kNightlyTimer, *next);
}

DecideResult NightlyScheduler::decide_start(const Start& command) const {
  NightlyScheduler scratch = *this;
  Decision decision;
  scratch.emit_start_mark(decision, command);
  scratch.consider_unconsidered(decision);
  auto due = timer_due(kNightlyTimer);
  // An overdue timer is a missed run: leave it to fire at once.
  if (!due || *due > command.now_us) scratch.plan(decision, command.now_us);
  return decision;
}

DecideResult NightlyScheduler::decide_timer(const TimerDue& command) const {
  auto due = due_now(command, kNightlyTimer);
  if (!due) return Decision{};
  NightlyScheduler scratch = *this;
  Decision decision;
  scratch.emit_timer_fired(decision, command.timer, *due);
  if (!config().only_if_changed) {
    auto intent = new_intent(triggered_reason("Nightly"));
    intent.sourcestamps.push_back(branch_sourcestamp());
    scratch.emit_buildset(decision, std::move(intent));
  } else if (auto changes = scratch.tracker().pending(); any_important(changes)) {
    scratch.emit_buildset(decision, scratch.changes_intent(triggered_reason("Nightly"), changes));
  }
  scratch.plan(decision, command.now_us);
  return decision;
}

}  // namespace eventbot::schedulers
