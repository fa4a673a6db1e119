#include "actors/schedulers/force.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace eventbot::schedulers {

ForceScheduler::ForceScheduler(config::SchedulerConfig config) : SchedulerCore(std::move(config)) {}

DecideResult ForceScheduler::decide_force(const Force& command) const {
  const auto& own = config().builders;
  for (const auto& builder : command.builders) {
    if (std::find(own.begin(), own.end(), builder) == own.end()) {
      return unexpected(error(SchedulerError::Code::unknown_builder,
                              "scheduler '" + name() + "' has no builder '" + builder + "'"));
    }
  }
  auto properties = scheduler_properties(config());
  for (const auto& [pname, value] : command.properties) {
    if (pname.empty() || !nlohmann::json::accept(value)) {
      return unexpected(error(SchedulerError::Code::invalid_argument,
                              "property '" + pname + "' is not a name with a JSON value"));
    }
    properties.set(pname, value, "Force Build Form");
  }
  auto reason = command.reason.empty() ? config().reason : command.reason;
  auto intent = new_intent("A build was forced by '" + command.who + "': " + reason);
  intent.properties = properties.list();
  if (!command.builders.empty()) intent.builder_names = command.builders;
  auto ss = branch_sourcestamp();
  if (command.branch) ss.set_branch(*command.branch);
  ss.set_revision(command.revision);
  ss.set_repository(command.repository);
  ss.set_project(command.project);
  intent.sourcestamps.push_back(std::move(ss));
  Decision decision;
  decision.buildsets.push_back(std::move(intent));
  return decision;
}

}  // namespace eventbot::schedulers
