#pragma once
// The shared base of the schedulers that build changes (SingleBranch, AnyBranch, Nightly
// with only_if_changed): which changes count (change filter, branch, only_important),
// which are important (file_is_important), and the fold of their classification.
//
// A change the filter or the branch rejects is ignored completely. With only_important
// an unimportant change is ignored the same way (the manual: "ignored the same way a
// change_filter filters changes"). Every other change is classified once, in id order,
// with a SchedulerChangeClassified event, and stays pending until one of the scheduler's
// own buildsets includes it.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/schedulers/change_filter.hpp"
#include "actors/schedulers/change_tracker.hpp"
#include "actors/schedulers/scheduler_core.hpp"

namespace eventbot::schedulers {

class ChangeScheduler : public SchedulerCore {
 protected:
  // branch: the one branch the scheduler follows (none: any branch the filter passes).
  // tracks_changes: false for a Nightly without only_if_changed, which ignores changes.
  ChangeScheduler(config::SchedulerConfig config, ChangeFilter filter,
                  std::optional<std::string> branch, bool tracks_changes);
  ChangeScheduler(const ChangeScheduler&) = default;

  struct Verdict {
    bool accepted = false;
    bool important = false;
  };
  Verdict judge(const events::ChangeAdded& change) const;
  const ChangeTracker& tracker() const { return tracker_; }

  // A scratch copy of the derived scheduler, for decide().
  virtual std::unique_ptr<ChangeScheduler> clone() const = 0;
  // On a scratch copy: what considering one accepted change appends. The default
  // classifies it; tree-stable schedulers also set timers or build.
  virtual void consider(Decision& decision, const ChangeRecord& change);
  // On a scratch copy: considers every retained change (Start after a crash).
  void consider_unconsidered(Decision& decision);
  // A buildset of these changes (id order) with the scheduler's and the changes'
  // properties (source "Change"; a later change wins).
  BuildsetIntent changes_intent(std::string reason,
                                const std::vector<const ChangeRecord*>& changes) const;

  DecideResult decide_change(const ConsiderChange& command) const override;

  void fold_change(std::uint64_t id, std::int64_t time_us,
                   const events::ChangeAdded& change) override;
  void fold_classified(std::uint64_t id, bool important) override;
  void fold_started(const StartMark& mark) override;
  void fold_own_buildset(const events::BuildsetSubmitted& buildset) override;

  void save_state(snapshots::SchedulerSnapshot& out) const override;
  bool restore_state(const snapshots::SchedulerSnapshot& in) override;

 private:
  std::shared_ptr<const ChangeFilter> filter_;
  std::optional<std::string> branch_;
  bool tracks_changes_;
  ChangeTracker tracker_;
};

// The branch a SingleBranch or Nightly scheduler follows: its `branch` if set; else, if
// its change filter names branches, none (the filter decides); else the default branch
// "" (0.8.5: branch=None means the default branch).
std::optional<std::string> followed_branch(const config::SchedulerConfig& config);

}  // namespace eventbot::schedulers
