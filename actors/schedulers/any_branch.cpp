#include "actors/schedulers/any_branch.hpp"

namespace eventbot::schedulers {

AnyBranchScheduler::AnyBranchScheduler(config::SchedulerConfig config, ChangeFilter filter)
    : TreeStableScheduler(std::move(config), std::move(filter), std::nullopt,
                          /*per_branch=*/true, "AnyBranchScheduler") {}

std::unique_ptr<ChangeScheduler> AnyBranchScheduler::clone() const {
  return std::make_unique<AnyBranchScheduler>(*this);
}

}  // namespace eventbot::schedulers
