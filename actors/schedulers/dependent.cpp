#include "actors/schedulers/dependent.hpp"

#include <charconv>

#include "events/snapshots.pb.h"

namespace eventbot::schedulers {
namespace {

constexpr char kUpstreamHandledKey[] = "upstream_handled";

}  // namespace

bool is_successful(events::Result result) {
  return result == events::SUCCESS || result == events::WARNINGS;
}

DependentScheduler::DependentScheduler(config::SchedulerConfig config)
    : SchedulerCore(std::move(config)) {}

BuildsetIntent DependentScheduler::intent_for(std::uint64_t buildset_id,
                                              const Upstream& upstream) const {
  auto intent =
      new_intent(triggered_reason("Dependent") + ": upstream buildset " +
                 std::to_string(buildset_id) + " of '" + config().upstream + "' succeeded");
  intent.sourcestamps = upstream.sourcestamps;
  intent.parent_buildset_id = buildset_id;
  return intent;
}

void DependentScheduler::handle(Decision& decision, std::uint64_t buildset_id) {
  auto intent = intent_for(buildset_id, upstream_.at(buildset_id));
  Envelope event;
  auto* saved = event.mutable_scheduler_state_saved();
  saved->set_scheduler(name());
  saved->set_key(kUpstreamHandledKey);
  saved->set_value_json(std::to_string(buildset_id));
  emit(decision, std::move(event));
  emit_buildset(decision, std::move(intent));
}

DecideResult DependentScheduler::decide_start(const Start& command) const {
  DependentScheduler scratch = *this;
  Decision decision;
  scratch.emit_start_mark(decision, command);
  std::vector<std::uint64_t> succeeded;
  for (const auto& [id, upstream] : scratch.upstream_) {
    if (upstream.succeeded) succeeded.push_back(id);
  }
  for (auto id : succeeded) scratch.handle(decision, id);
  return decision;
}

DecideResult DependentScheduler::decide_upstream(const UpstreamCompleted& command) const {
  if (!started()) {
    return unexpected(not_started_error());
  }
  if (!upstream_.contains(command.buildset_id) || !is_successful(command.result)) {
    return Decision{};
  }
  DependentScheduler scratch = *this;
  Decision decision;
  scratch.handle(decision, command.buildset_id);
  return decision;
}

void DependentScheduler::fold_state(const std::string& key, const std::string& value_json) {
  if (key != kUpstreamHandledKey) return;
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(value_json.data(), value_json.data() + value_json.size(), id);
  if (ec == std::errc()) upstream_.erase(id);
}

void DependentScheduler::fold_started(const StartMark& mark) {
  upstream_.erase(upstream_.begin(), upstream_.upper_bound(mark.buildset_id));
}

void DependentScheduler::fold_own_buildset(const events::BuildsetSubmitted& buildset) {
  upstream_.erase(buildset.parent_buildset_id());
}

void DependentScheduler::fold_other_buildset(const events::BuildsetSubmitted& buildset) {
  if (buildset.scheduler() != config().upstream) return;
  if (start_mark() && buildset.buildset_id() <= start_mark()->buildset_id) return;
  upstream_[buildset.buildset_id()].sourcestamps.assign(buildset.sourcestamps().begin(),
                                                        buildset.sourcestamps().end());
}

void DependentScheduler::fold_buildset_completed(const events::BuildsetCompleted& completed) {
  auto it = upstream_.find(completed.buildset_id());
  if (it == upstream_.end()) return;
  if (is_successful(completed.result())) {
    it->second.succeeded = true;
  } else {
    upstream_.erase(it);
  }
}

void DependentScheduler::save_state(snapshots::SchedulerSnapshot& out) const {
  auto* state = out.mutable_dependent();
  for (const auto& [id, upstream] : upstream_) {
    auto* u = state->add_upstream();
    u->set_buildset_id(id);
    for (const auto& ss : upstream.sourcestamps) *u->add_sourcestamps() = ss;
    u->set_succeeded(upstream.succeeded);
  }
}

bool DependentScheduler::restore_state(const snapshots::SchedulerSnapshot& in) {
  if (!in.has_dependent()) return false;
  std::map<std::uint64_t, Upstream> upstream;
  for (const auto& u : in.dependent().upstream()) {
    auto& entry = upstream[u.buildset_id()];
    entry.sourcestamps.assign(u.sourcestamps().begin(), u.sourcestamps().end());
    entry.succeeded = u.succeeded();
  }
  upstream_ = std::move(upstream);
  return true;
}

}  // namespace eventbot::schedulers
