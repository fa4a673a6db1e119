#include "actors/builds/recovery.hpp"

#include "events/streams.hpp"

namespace eventbot::builds {

void RecoveredStep::evolve(const events::Envelope& event) {
  if (event.has_step_started()) {
    command_id_.clear();
    log_streams_.clear();
  } else if (event.has_step_command_sent()) {
    command_id_ = event.step_command_sent().command_id();
  } else if (event.has_log_opened()) {
    const auto& body = event.log_opened();
    log_streams_[body.name()] =
        streams::log(body.builder(), body.build_number(), body.step_index(), body.name());
  }
}

RecoveryDecision decide_recovery(const BuildCore& core, const RecoveredStep& stream, bool slave,
                                 std::uint64_t last_seq) {
  auto running = core.running_step();
  if (!running) return NoStepRunning{};
  const bool remote = running->plan && running->plan->kind == StepPlan::Kind::remote;
  if (remote && stream.command_id().empty() && stream.log_streams().empty() && slave) {
    return RestartStep{running->index, *running->plan};
  }
  if (remote && !running->plan->transfer && !stream.command_id().empty() && slave) {
    return Reattach{running->index, stream.command_id(), last_seq};
  }
  return EndRetry{running->index};
}

}  // namespace eventbot::builds
