#pragma once
// What a build's events are caused by (docs/EVENTS.md, "Causes and chains"). Pure: it
// knows the build's BuildStarted and each step's StepStarted (from the build actor's own
// appends, or folded from the build's stream after a restart) and links each event the
// master appends for the build:
//
// - StepStarted and BuildFinished: caused by BuildStarted;
// - a step's events (StepCommandSent, LogOpened, LogChunk, LogClosed, StepFinished,
//   BuildPropertiesSet, LockAcquired, LockReleased): caused by that step's StepStarted;
// - BuildRequestCompleted and BuildRequestUnclaimed: caused by the BuildFinished of the
//   same append.
//
// A cause appended in the same batch has no sequence yet: such links are returned as
// indexes for store::AppendRequest::caused_in_batch.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "events/causes.hpp"
#include "events/events.pb.h"

namespace eventbot::snapshots {
class BuildCausesRecord;  // events/snapshots.proto
}  // namespace eventbot::snapshots

namespace eventbot::builds {

// The links of one append that the store sets, and the StepStarted events of it, whose
// sequences are known once it is appended.
struct BuildAppendLinks {
  std::map<std::size_t, std::size_t> caused_in_batch;              // event index -> cause index
  std::vector<std::pair<std::size_t, std::uint32_t>> step_starts;  // (index, step)
};

class BuildCauses {
 public:
  BuildCauses() = default;
  explicit BuildCauses(events::Cause started) : build_(started) {}

  // Folds an event of the build's stream (BuildStarted, StepStarted, LogOpened).
  void evolve(const events::Envelope& event);

  const events::Cause& build() const { return build_; }
  // The StepStarted of `step` (-1: the build), else the build's BuildStarted.
  events::Cause step(std::int32_t step) const;

  // The fold as a snapshot record (builder and number are the caller's), and back.
  void save(snapshots::BuildCausesRecord& out) const;
  static BuildCauses restored(const snapshots::BuildCausesRecord& in);

  // Links the events of an append of the build (events already linked are left alone).
  // `running_step` is the step running (-1: none): events that name no step belong to it.
  BuildAppendLinks link(std::vector<events::Envelope>& batch, std::int32_t running_step);
  // The append was written from `first_sequence` on: remembers its StepStarted events.
  void appended(const BuildAppendLinks& links, std::uint64_t first_sequence);

 private:
  events::Cause build_;
  std::map<std::uint32_t, events::Cause> steps_;
  std::map<std::string, std::uint32_t> log_steps_;  // log stream -> its step
};

}  // namespace eventbot::builds
