#include "actors/schedulers/tree_stable.hpp"

#include <algorithm>

namespace eventbot::schedulers {
namespace {

constexpr std::int64_t kMicros = 1'000'000;

std::string branch_prefix() {
  return std::string(kTreeStableTimer) + ":";
}

}  // namespace

std::string TreeStableScheduler::branch_timer(const std::string& branch) {
  return branch_prefix() + branch;
}

TreeStableScheduler::TreeStableScheduler(config::SchedulerConfig config, ChangeFilter filter,
                                         std::optional<std::string> branch, bool per_branch,
                                         std::string kind)
    : ChangeScheduler(std::move(config), std::move(filter), std::move(branch), true),
      per_branch_(per_branch),
      kind_(std::move(kind)) {}

std::unique_ptr<TreeStableScheduler> TreeStableScheduler::scratch_copy() const {
  return std::unique_ptr<TreeStableScheduler>(static_cast<TreeStableScheduler*>(clone().release()));
}

std::string TreeStableScheduler::timer_of(const ChangeRecord& change) const {
  return per_branch_ ? branch_timer(change.branch) : std::string(kTreeStableTimer);
}

std::vector<const ChangeRecord*> TreeStableScheduler::pending_for(const std::string& timer) const {
  // A timer of the other kind (left by a reconfig between SingleBranch and AnyBranch)
  // takes every pending change.
  if (!per_branch_ || timer.rfind(branch_prefix(), 0) != 0) return tracker().pending();
  return tracker().pending_on(timer.substr(branch_prefix().size()));
}

void TreeStableScheduler::consider(Decision& decision, const ChangeRecord& change) {
  ChangeScheduler::consider(decision, change);
  auto stable_seconds = config().tree_stable_timer.value_or(0);
  auto timer = timer_of(change);
  if (stable_seconds > 0) {
    auto running = timer_due(timer);
    if (change.important || running) {
      auto due = change.time_us + stable_seconds * kMicros;
      emit_timer_set(decision, timer, std::max(due, running.value_or(due)));
    }
    return;
  }
  if (!change.important) return;
  emit_buildset(decision, changes_intent(triggered_reason(kind_), pending_for(timer)));
}

DecideResult TreeStableScheduler::decide_start(const Start& command) const {
  auto scratch = scratch_copy();
  Decision decision;
  scratch->emit_start_mark(decision, command);
  scratch->consider_unconsidered(decision);
  return decision;
}

DecideResult TreeStableScheduler::decide_timer(const TimerDue& command) const {
  auto due = due_now(command, command.timer);
  if (!due || command.timer.rfind(kTreeStableTimer, 0) != 0) return Decision{};
  auto scratch = scratch_copy();
  Decision decision;
  scratch->emit_timer_fired(decision, command.timer, *due);
  auto changes = scratch->pending_for(command.timer);
  if (any_important(changes)) {
    scratch->emit_buildset(decision, scratch->changes_intent(triggered_reason(kind_), changes));
  }
  return decision;
}

}  // namespace eventbot::schedulers
