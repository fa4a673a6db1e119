#include "actors/builds/steps/step_plan.hpp"

#include <google/protobuf/util/message_differencer.h>

namespace eventbot::builds {

bool TriggerRequest::operator==(const TriggerRequest& other) const {
  using google::protobuf::util::MessageDifferencer;
  if (schedulers != other.schedulers || wait_for_finish != other.wait_for_finish ||
      sourcestamps.size() != other.sourcestamps.size() ||
      properties.size() != other.properties.size()) {
    return false;
  }
  for (std::size_t i = 0; i < sourcestamps.size(); ++i) {
    if (!MessageDifferencer::Equals(sourcestamps[i], other.sourcestamps[i])) return false;
  }
  for (std::size_t i = 0; i < properties.size(); ++i) {
    if (!MessageDifferencer::Equals(properties[i], other.properties[i])) return false;
  }
  return true;
}

StepOutcome StepInterpreter::base_outcome(Result result) const {
  StepOutcome outcome;
  outcome.result = result;
  outcome.text = description_done;
  if (auto word = result_word(result); !word.empty()) outcome.text.emplace_back(word);
  return outcome;
}

StepOutcome StepInterpreter::finish(const wire::CommandResult& result, const Properties&) {
  StepOutcome outcome = base_outcome(command_result(result, decode_rc));
  if (result.outcome() == wire::TIMEOUT || result.outcome() == wire::MAX_TIME) {
    outcome.text.emplace_back("timeout");
  }
  return outcome;
}

StepOutcome StepInterpreter::finish_master(const MasterActionResult& result, const Properties&) {
  if (result.interrupted) return base_outcome(events::CANCELLED);
  if (!result.ok) {
    StepOutcome outcome = base_outcome(events::FAILURE);
    if (!result.error.empty()) outcome.text.push_back(result.error);
    return outcome;
  }
  auto it = decode_rc.find(result.rc);
  return base_outcome(it == decode_rc.end() ? events::FAILURE : it->second);
}

}  // namespace eventbot::builds
