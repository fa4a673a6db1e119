#include "actors/schedulers/decision_causes.hpp"

#include <map>
#include <optional>

namespace eventbot::schedulers {
namespace {

void add_stamped_changes(events::BuildsetCause& cause, const events::BuildsetSubmitted& buildset) {
  for (const auto& stamp : buildset.sourcestamps()) {
    for (auto id : stamp.change_ids()) cause.add_change_ids(id);
  }
}

}  // namespace

events::BuildsetCause buildset_cause(const Command& command,
                                     const events::BuildsetSubmitted& buildset,
                                     const events::SchedulerTimerFired* fired) {
  events::BuildsetCause cause;
  if (const auto* force = std::get_if<Force>(&command)) {
    cause.set_kind(events::BuildsetCause::FORCE);
    cause.set_forced_by(force->who);
  } else if (const auto* trigger = std::get_if<Trigger>(&command)) {
    cause.set_kind(events::BuildsetCause::TRIGGER);
    cause.set_parent_builder(trigger->parent_builder);
    cause.set_parent_build_number(trigger->parent_build_number);
    cause.set_parent_step_index(trigger->parent_step_index);
  } else if (const auto* change = std::get_if<ConsiderChange>(&command)) {
    cause.set_kind(events::BuildsetCause::CHANGE);
    cause.add_change_ids(change->change_id);
  } else if (const auto* upstream = std::get_if<UpstreamCompleted>(&command)) {
    cause.set_kind(events::BuildsetCause::UPSTREAM);
    cause.set_upstream_buildset_id(upstream->buildset_id);
  } else if (fired != nullptr || std::holds_alternative<TimerDue>(command)) {
    cause.set_kind(events::BuildsetCause::TIMER);
    cause.set_timer(fired ? fired->timer() : std::get<TimerDue>(command).timer);
    if (fired) cause.set_timer_due_us(fired->due_us());
    add_stamped_changes(cause, buildset);
  } else if (buildset.parent_buildset_id() != 0) {
    // A Dependent's Start submits for an upstream success no decision handled.
    cause.set_kind(events::BuildsetCause::UPSTREAM);
    cause.set_upstream_buildset_id(buildset.parent_buildset_id());
  } else {
    cause.set_kind(events::BuildsetCause::START);
    add_stamped_changes(cause, buildset);
  }
  return cause;
}

void link_decision(store::AppendRequest& request, const Command& command,
                   const events::Cause& cause) {
  std::optional<std::size_t> fired;
  for (std::size_t i = 0; i < request.events.size(); ++i) {
    if (request.events[i].has_scheduler_timer_fired()) {
      fired = i;
      break;
    }
  }
  const events::SchedulerTimerFired* fired_body =
      fired ? &request.events[*fired].scheduler_timer_fired() : nullptr;
  std::map<std::uint64_t, std::size_t> buildset_index;
  for (std::size_t i = 0; i < request.events.size(); ++i) {
    auto& event = request.events[i];
    if (fired && i == *fired) continue;  // starts the chain
    if (event.has_build_request_submitted()) {
      auto owner = buildset_index.find(event.build_request_submitted().buildset_id());
      if (owner != buildset_index.end()) {
        request.caused_in_batch[i] = owner->second;
        continue;
      }
    } else if (event.has_buildset_submitted()) {
      auto* body = event.mutable_buildset_submitted();
      *body->mutable_cause() = buildset_cause(command, *body, fired_body);
      buildset_index[body->buildset_id()] = i;
    }
    if (fired && *fired < i) {
      request.caused_in_batch[i] = *fired;
    } else {
      events::link_to(event, cause);
    }
  }
}

}  // namespace eventbot::schedulers
