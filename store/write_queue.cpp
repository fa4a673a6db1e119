#include "store/write_queue.hpp"

namespace eventbot::store {

StoreResult<AppendResult> WriteQueue::submit(AppendRequest request,
                                             const GroupWriter& write_group) {
  auto self = std::make_shared<Waiter>();
  self->pending.request = std::move(request);
  bool lead = false;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(self);
    if (!leader_active_) leader_active_ = lead = true;
  }
  if (!lead && self->state.wait_while(kWaiting) == kDone) {
    return std::move(*self->pending.result);
  }

  // This thread leads: it is the queue's front, so its own append is first in the group.
  std::vector<std::shared_ptr<Waiter>> group;
  {
    std::lock_guard lock(mutex_);
    while (!queue_.empty() && group.size() < max_group_) {
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  std::vector<Pending*> pendings;
  pendings.reserve(group.size());
  for (auto& waiter : group) pendings.push_back(&waiter->pending);
  write_group(pendings);

  for (auto& waiter : group) {
    if (waiter == self) continue;
    waiter->state.set_and_wake(kDone);
  }
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      leader_active_ = false;
    } else {
      next = queue_.front();
    }
  }
  if (next) next->state.set_and_wake(kLead);
  return std::move(*self->pending.result);
}

}  // namespace eventbot::store
