#include "actors/schedulers/change_scheduler.hpp"

#include "actors/schedulers/file_importance.hpp"
#include "events/snapshots.pb.h"

namespace eventbot::schedulers {

ChangeScheduler::ChangeScheduler(config::SchedulerConfig config, ChangeFilter filter,
                                 std::optional<std::string> branch, bool tracks_changes)
    : SchedulerCore(std::move(config)),
      filter_(std::make_shared<const ChangeFilter>(std::move(filter))),
      branch_(std::move(branch)),
      tracks_changes_(tracks_changes) {}

ChangeScheduler::Verdict ChangeScheduler::judge(const events::ChangeAdded& change) const {
  if (!tracks_changes_) return {};
  if (branch_ && change.branch() != *branch_) return {};
  if (!filter_->matches(change)) return {};
  bool important = change_is_important(config().file_is_important, change);
  if (config().only_important && !important) return {};
  return {true, important};
}

void ChangeScheduler::consider(Decision& decision, const ChangeRecord& change) {
  tracker_.retain(change);
  Envelope event;
  auto* classified = event.mutable_scheduler_change_classified();
  classified->set_scheduler(name());
  classified->set_change_id(change.id);
  classified->set_important(change.important);
  emit(decision, std::move(event));
}

void ChangeScheduler::consider_unconsidered(Decision& decision) {
  for (const auto& change : tracker_.unconsidered()) consider(decision, change);
}

BuildsetIntent ChangeScheduler::changes_intent(
    std::string reason, const std::vector<const ChangeRecord*>& changes) const {
  auto intent = new_intent(std::move(reason));
  auto properties = scheduler_properties(config());
  for (const auto* change : changes) {
    for (const auto& p : change->properties) {
      properties.set(p.name(), p.value_json(), p.source().empty() ? "Change" : p.source());
    }
  }
  intent.properties = properties.list();
  intent.sourcestamps.push_back(sourcestamp_of(changes));
  return intent;
}

DecideResult ChangeScheduler::decide_change(const ConsiderChange& command) const {
  if (!tracks_changes_) return Decision{};
  if (!started()) {
    return unexpected(not_started_error());
  }
  if (tracker_.considered(command.change_id)) return Decision{};
  auto verdict = judge(command.change);
  if (!verdict.accepted) return Decision{};
  auto scratch = clone();
  Decision decision;
  scratch->consider(decision, make_change_record(command.change_id, command.time_us, command.change,
                                                 verdict.important));
  return decision;
}

void ChangeScheduler::fold_change(std::uint64_t id, std::int64_t time_us,
                                  const events::ChangeAdded& change) {
  auto verdict = judge(change);
  if (verdict.accepted) tracker_.retain(make_change_record(id, time_us, change, verdict.important));
}

void ChangeScheduler::fold_classified(std::uint64_t id, bool important) {
  tracker_.classified(id, important);
}

void ChangeScheduler::fold_started(const StartMark& mark) {
  tracker_.start_at(mark.change_id);
}

void ChangeScheduler::fold_own_buildset(const events::BuildsetSubmitted& buildset) {
  std::vector<std::uint64_t> ids;
  for (const auto& ss : buildset.sourcestamps()) {
    ids.insert(ids.end(), ss.change_ids().begin(), ss.change_ids().end());
  }
  tracker_.built(ids);
}

void ChangeScheduler::save_state(snapshots::SchedulerSnapshot& out) const {
  tracker_.save(*out.mutable_changes());
}

bool ChangeScheduler::restore_state(const snapshots::SchedulerSnapshot& in) {
  if (!in.has_changes()) return false;
  tracker_ = ChangeTracker::load(in.changes());
  return true;
}

std::optional<std::string> followed_branch(const config::SchedulerConfig& config) {
  if (config.branch) return config.branch;
  if (!config.change_filter.branch.any()) return std::nullopt;
  return std::string();
}

}  // namespace eventbot::schedulers
