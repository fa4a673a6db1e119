#pragma once
// Serialises appends through one writer at a time, and lets the appends that queue up
// while a write is under way be written together: the first waiting thread becomes the
// leader, takes up to `max_group` queued appends, writes them as one group, and wakes
// their threads. With a synced WAL this is group commit: one sync for the whole group.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "store/event_log.hpp"

namespace eventbot::store {

class WriteQueue {
 public:
  struct Pending {
    AppendRequest request;
    std::optional<StoreResult<AppendResult>> result;  // set by the leader
    bool done = false;
  };
  using GroupWriter = std::function<void(std::vector<Pending*>& group)>;

  explicit WriteQueue(std::size_t max_group) : max_group_(max_group) {}

  // Queues `pending` and returns once a leader (maybe this thread) has written it and
  // set its result.
  void submit(Pending& pending, const GroupWriter& write_group);

 private:
  const std::size_t max_group_;
  std::mutex mutex_;
  std::condition_variable written_;
  std::deque<Pending*> queue_;
  bool leader_active_ = false;
};

}  // namespace eventbot::store
