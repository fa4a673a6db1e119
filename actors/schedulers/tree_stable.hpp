#pragma once
// The tree-stable logic SingleBranch and AnyBranch share (0.8.5 basic.py):
//   - with tree_stable_timer: an important change (re)starts the timer; an unimportant
//     one restarts it if it is running and never starts it; when the timer fires, one
//     buildset includes every pending change (important or not) of the timer's scope;
//   - without it (unset or 0): each important change builds at once, with the
//     unimportant changes pending before it.
// SingleBranch has one timer, "tree-stable"; AnyBranch one per branch,
// "tree-stable:<branch>", each with its own pending changes.
// A timer is due tree_stable_timer seconds after the time of the change that set it.
#include <memory>
#include <optional>
#include <string>

#include "actors/schedulers/change_scheduler.hpp"

namespace eventbot::schedulers {

class TreeStableScheduler : public ChangeScheduler {
 public:
  // The timer of a branch, for AnyBranch ("tree-stable:<branch>").
  static std::string branch_timer(const std::string& branch);

 protected:
  TreeStableScheduler(config::SchedulerConfig config, ChangeFilter filter,
                      std::optional<std::string> branch, bool per_branch, std::string kind);
  TreeStableScheduler(const TreeStableScheduler&) = default;

  void consider(Decision& decision, const ChangeRecord& change) override;
  DecideResult decide_start(const Start& command) const override;
  DecideResult decide_timer(const TimerDue& command) const override;

 private:
  std::unique_ptr<TreeStableScheduler> scratch_copy() const;
  std::string timer_of(const ChangeRecord& change) const;
  std::vector<const ChangeRecord*> pending_for(const std::string& timer) const;

  bool per_branch_;
  std::string kind_;  // "SingleBranchScheduler", "AnyBranchScheduler"
};

}  // namespace eventbot::schedulers
