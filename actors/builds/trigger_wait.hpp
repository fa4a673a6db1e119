#pragma once
// The master's bookkeeping of a running trigger step (Buildbot's Trigger). Pure (no I/O,
// no CAF, no clock): the build actor submits one buildset per scheduler and feeds in
// what it hears back; TriggerWait says when the step is done and with which
// MasterActionResult (the core's trigger step turns it into the step's result).
//
// - Every scheduler answers the submission. One that refuses ends the step at once, as a
//   failure naming the scheduler ("trigger <scheduler>: <why>").
// - Without wait_for_finish (Buildbot's waitForFinish=False) the step is done, a
//   success, once every scheduler has accepted.
// - With wait_for_finish it is done once every scheduler has accepted and every
//   buildset it submitted (known by the submission's external id) has completed; the
//   result carries the buildsets' results in the order of the schedulers.
// - Once done (or cancelled by a stop) it answers nothing more: late answers of an
//   earlier step change nothing.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/builds/results.hpp"
#include "actors/builds/steps/step_plan.hpp"

namespace eventbot::builds {

class TriggerWait {
 public:
  TriggerWait() = default;  // nothing awaited
  // One external id per scheduler triggered (the submission's external_idstring).
  TriggerWait(std::vector<std::string> external_ids, bool wait_for_finish);

  // A scheduler accepted its submission: the step's result if it is done now.
  std::optional<MasterActionResult> accepted();
  // A scheduler refused (or did not answer): the step fails now; nullopt once done.
  std::optional<MasterActionResult> refused(const std::string& scheduler, const std::string& why);
  // The buildset of a submission is known; ids not awaited are ignored.
  void submitted(const std::string& external_id, std::uint64_t buildset);
  // A buildset completed: the step's result if it is done now.
  std::optional<MasterActionResult> buildset_done(std::uint64_t buildset, Result result);
  // The step ended otherwise (a stop): nothing more is awaited.
  void cancel() { done_ = true; }

  bool waiting() const { return !done_ && !ids_.empty(); }
  bool wait_for_finish() const { return wait_; }

 private:
  std::optional<MasterActionResult> check();

  std::vector<std::string> ids_;
  bool wait_ = false;
  bool done_ = true;
  std::size_t answers_ = 0;
  std::map<std::string, std::uint64_t> buildsets_;  // external id -> buildset id
  std::map<std::uint64_t, Result> results_;         // buildset id -> its result
};

}  // namespace eventbot::builds
