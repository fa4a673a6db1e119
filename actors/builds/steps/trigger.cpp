#include "actors/builds/steps/trigger.hpp"

namespace eventbot::builds {
namespace {

class TriggerInterpreter final : public StepInterpreter {
 public:
  StepOutcome finish_master(const MasterActionResult& result,
                            const Properties& properties) override {
    if (result.interrupted || !result.ok) {
      return StepInterpreter::finish_master(result, properties);
    }
    Result overall = events::SUCCESS;
    for (Result r : result.triggered) {
      if (r == events::EXCEPTION || r == events::RETRY || r == events::CANCELLED) {
        overall = events::EXCEPTION;
        break;
      }
      if (r == events::FAILURE) overall = events::FAILURE;
    }
    return base_outcome(overall);
  }
};

}  // namespace

void prepare_trigger(StepParams& params, const StepContext& context, PreparedStep& step) {
  TriggerRequest request;
  params.require("schedulers");
  request.schedulers = params.string_list("schedulers").value_or(std::vector<std::string>{});
  if (params.has("schedulers") && request.schedulers.empty()) {
    params.error("schedulers", "names no scheduler");
  }
  request.wait_for_finish = params.boolean("wait_for_finish").value_or(false);
  const bool update = params.boolean("update_sourcestamp").value_or(true);
  const bool latest = params.boolean("always_use_latest").value_or(false);
  const Properties* properties = params.properties();
  if (!latest) {
    request.sourcestamps = context.sourcestamps;
    const nlohmann::json* got = properties ? properties->get("got_revision") : nullptr;
    if (update && got && got->is_string() && !request.sourcestamps.empty()) {
      request.sourcestamps.front().set_revision(got->get<std::string>());
    }
  }
  if (const auto* set = params.json("set_properties"); set && !set->is_null()) {
    if (!set->is_object()) {
      params.error("set_properties", "must be a map of property names to values");
    } else {
      for (const auto& [name, value] : set->items()) {
        request.properties.push_back(
            make_property(name, params.render_json("set_properties", value), "Trigger"));
      }
    }
  }
  for (const auto& name :
       params.raw_string_list("copy_properties").value_or(std::vector<std::string>{})) {
    const nlohmann::json* value = properties ? properties->get(name) : nullptr;
    if (value) request.properties.push_back(make_property(name, *value, "Trigger"));
  }
  step.plan.kind = StepPlan::Kind::trigger;
  step.plan.trigger = std::move(request);
  step.interpreter = std::make_unique<TriggerInterpreter>();
  const bool own_description = !step.common.description.empty();
  const bool own_done = !step.common.description_done.empty();
  if (!own_description) step.common.description = {"triggering"};
  if (!own_done) step.common.description_done = {"triggered"};
  for (const auto& name : step.plan.trigger->schedulers) {
    if (!own_description) step.common.description.push_back(name);
    if (!own_done) step.common.description_done.push_back(name);
  }
}

}  // namespace eventbot::builds
