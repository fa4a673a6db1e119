#include "actors/schedulers/single_branch.hpp"

namespace eventbot::schedulers {

SingleBranchScheduler::SingleBranchScheduler(config::SchedulerConfig config, ChangeFilter filter)
    : TreeStableScheduler(config, std::move(filter), followed_branch(config),
                          /*per_branch=*/false, "SingleBranchScheduler") {}

std::unique_ptr<ChangeScheduler> SingleBranchScheduler::clone() const {
  return std::make_unique<SingleBranchScheduler>(*this);
}

}  // namespace eventbot::schedulers
