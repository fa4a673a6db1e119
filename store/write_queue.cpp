#include "store/write_queue.hpp"

namespace eventbot::store {

void WriteQueue::submit(Pending& pending, const GroupWriter& write_group) {
  std::unique_lock lock(mutex_);
  queue_.push_back(&pending);
  for (;;) {
    written_.wait(lock, [&] { return pending.done || !leader_active_; });
    if (pending.done) return;

    leader_active_ = true;
    std::vector<Pending*> group;
    while (!queue_.empty() && group.size() < max_group_) {
      group.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    write_group(group);
    lock.lock();
    for (auto* written : group) written->done = true;
    leader_active_ = false;
    written_.notify_all();
  }
}

}  // namespace eventbot::store
