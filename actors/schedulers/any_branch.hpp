#pragma once
// AnyBranchScheduler: every branch its change filter passes, with one tree-stable timer
// and one set of pending changes per branch (tree_stable.hpp for the rules).
#include "actors/schedulers/tree_stable.hpp"

namespace eventbot::schedulers {

class AnyBranchScheduler final : public TreeStableScheduler {
 public:
  AnyBranchScheduler(config::SchedulerConfig config, ChangeFilter filter);

 protected:
  std::unique_ptr<ChangeScheduler> clone() const override;
};

}  // namespace eventbot::schedulers
