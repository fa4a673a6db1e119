#include "actors/schedulers/triggerable.hpp"

namespace eventbot::schedulers {

TriggerableScheduler::TriggerableScheduler(config::SchedulerConfig config)
    : SchedulerCore(std::move(config)) {}

DecideResult TriggerableScheduler::decide_trigger(const Trigger& command) const {
  auto intent = new_intent(triggered_reason("Triggerable"));
  auto properties = scheduler_properties(config());
  for (const auto& p : command.properties) {
    properties.set(p.name(), p.value_json(), p.source().empty() ? "Trigger" : p.source());
  }
  intent.properties = properties.list();
  intent.sourcestamps = command.sourcestamps;
  if (intent.sourcestamps.empty()) intent.sourcestamps.push_back(branch_sourcestamp());
  intent.parent_buildset_id = command.parent_buildset_id;
  intent.external_idstring = command.external_idstring;
  Decision decision;
  decision.buildsets.push_back(std::move(intent));
  return decision;
}

}  // namespace eventbot::schedulers
