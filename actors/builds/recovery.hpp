#pragma once
// What a build actor does with a build it takes back after a master restart. Pure (no
// I/O, no CAF, no clock): the actor folds the build's stream into a BuildCore and a
// RecoveredStep, reads the running step's logs (feeding them to the core's parsers and
// finding the last update it made durable), then asks decide_recovery:
//
// - NoStepRunning: the build was between steps; it goes on (or finishes).
// - RestartStep: the running step is a remote command that never reached the slave (no
//   StepCommandSent, no log: it was waiting for its locks). It starts again.
// - Reattach: the running step is a plain remote command (no transfer) that was sent:
//   the slave may still run it. The actor asks it to resume command `command_id` after
//   update `last_seq`.
// - EndRetry: anything else (a transfer, a master command, a trigger, a step whose plan
//   cannot be prepared again, or no slave to ask): the step ends RETRY and the build with
//   it (BuildCore::slave_lost), so its requests are built again.
#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "actors/builds/build_core.hpp"
#include "events/events.pb.h"

namespace eventbot::builds {

// What the build's stream says of its last started step: the command it sent and its
// logs (name -> log stream). A StepStarted starts afresh.
class RecoveredStep {
 public:
  void evolve(const events::Envelope& event);

  const std::string& command_id() const { return command_id_; }
  const std::map<std::string, std::string>& log_streams() const { return log_streams_; }

 private:
  std::string command_id_;
  std::map<std::string, std::string> log_streams_;
};

struct NoStepRunning {};
struct RestartStep {
  std::uint32_t step = 0;
  StepPlan plan;
};
struct Reattach {
  std::uint32_t step = 0;
  std::string command_id;
  std::uint64_t last_seq = 0;  // the last update made durable: the slave resends after it
};
struct EndRetry {
  std::uint32_t step = 0;
};
using RecoveryDecision = std::variant<NoStepRunning, RestartStep, Reattach, EndRetry>;

// `core`: the build's stream folded; `slave`: the build's slave has an actor to ask;
// `last_seq`: the highest command_seq among the running step's stored log chunks.
RecoveryDecision decide_recovery(const BuildCore& core, const RecoveredStep& stream, bool slave,
                                 std::uint64_t last_seq);

}  // namespace eventbot::builds
