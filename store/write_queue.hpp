#pragma once
// Serialises appends through one writer at a time, and lets the appends that queue up
// while a write is under way be written together: the thread at the front of the queue
// becomes the leader, takes up to `max_group` queued appends, writes them as one group,
// wakes exactly their threads, and hands the lead to the next front. With a synced WAL
// this is group commit: one sync for the whole group.
// Waiters sleep on their own flag (WakeFlag) rather than a shared condition variable: with
// many writers on few cores, waking every waiter (or waking one only to block it on the
// queue's mutex) costs more than the sync itself.
#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "store/event_log.hpp"
#include "store/wake_flag.hpp"

namespace eventbot::store {

class WriteQueue {
 public:
  struct Pending {
    AppendRequest request;
    std::optional<StoreResult<AppendResult>> result;  // set by the leader
  };
  using GroupWriter = std::function<void(std::vector<Pending*>& group)>;

  explicit WriteQueue(std::size_t max_group) : max_group_(max_group) {}

  // Queues the request and returns its result once a leader (maybe this thread) has
  // written it.
  StoreResult<AppendResult> submit(AppendRequest request, const GroupWriter& write_group);

 private:
  enum State : int { kWaiting, kLead, kDone };
  struct Waiter {
    Pending pending;
    WakeFlag state{kWaiting};
  };

  const std::size_t max_group_;
  std::mutex mutex_;
  // shared_ptr: a leader may still be waking a waiter whose own thread has returned.
  std::deque<std::shared_ptr<Waiter>> queue_;
  bool leader_active_ = false;
};

}  // namespace eventbot::store
