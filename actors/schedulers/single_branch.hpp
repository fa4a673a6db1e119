#pragma once
// SingleBranchScheduler: follows one branch (its `branch`; unset: the branch its change
// filter names, or else the default branch ""), with one tree-stable timer
// (tree_stable.hpp for the rules).
#include "actors/schedulers/tree_stable.hpp"

namespace eventbot::schedulers {

class SingleBranchScheduler final : public TreeStableScheduler {
 public:
  SingleBranchScheduler(config::SchedulerConfig config, ChangeFilter filter);

 protected:
  std::unique_ptr<ChangeScheduler> clone() const override;
};

}  // namespace eventbot::schedulers
