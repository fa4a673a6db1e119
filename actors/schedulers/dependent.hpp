#pragma once
// Dependent: when a buildset of its `upstream` scheduler completes with SUCCESS or
// WARNINGS (0.8.5: "successfully", on all its builders), submits the same source stamps
// to its own builders, once, with parent_buildset_id = the upstream buildset. It ignores
// changes.
//   - Upstream buildsets from before its start mark never fire it.
//   - Each decision appends SchedulerStateSaved{key "upstream_handled", value the
//     upstream buildset id} with its buildset: the scheduler's stream version guards it
//     against a racing decision, and the fold (as well as its own BuildsetSubmitted's
//     parent_buildset_id) records the upstream buildset as handled, so deciding again
//     after a replay never submits twice. Start submits for upstream buildsets that
//     completed successfully but were not handled (a crash between the completion and
//     the decision).
#include <map>
#include <vector>

#include "actors/schedulers/scheduler_core.hpp"

namespace eventbot::schedulers {

class DependentScheduler final : public SchedulerCore {
 public:
  explicit DependentScheduler(config::SchedulerConfig config);
  DependentScheduler(const DependentScheduler&) = default;

 protected:
  DecideResult decide_start(const Start& command) const override;
  DecideResult decide_upstream(const UpstreamCompleted& command) const override;

  void fold_started(const StartMark& mark) override;
  void fold_state(const std::string& key, const std::string& value_json) override;
  void fold_own_buildset(const events::BuildsetSubmitted& buildset) override;
  void fold_other_buildset(const events::BuildsetSubmitted& buildset) override;
  void fold_buildset_completed(const events::BuildsetCompleted& completed) override;

  void save_state(snapshots::SchedulerSnapshot& out) const override;
  bool restore_state(const snapshots::SchedulerSnapshot& in) override;

 private:
  struct Upstream {
    std::vector<events::SourceStamp> sourcestamps;
    bool succeeded = false;  // completed with SUCCESS or WARNINGS
  };
  BuildsetIntent intent_for(std::uint64_t buildset_id, const Upstream& upstream) const;
  // On a scratch copy: records the upstream buildset as handled and submits for it.
  void handle(Decision& decision, std::uint64_t buildset_id);

  // Upstream buildsets not handled yet: running, or succeeded (failed ones are dropped).
  std::map<std::uint64_t, Upstream> upstream_;
};

bool is_successful(events::Result result);

}  // namespace eventbot::schedulers
