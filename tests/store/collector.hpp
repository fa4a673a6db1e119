#pragma once
// Records what a subscription delivers, on the subscription's thread, for the test
// thread to inspect while waiting with wait_until.
#include <mutex>
#include <optional>
#include <vector>

#include "store/event_log.hpp"

namespace eventbot::store::test {

class Collector {
 public:
  SubscriberCallbacks callbacks() {
    return SubscriberCallbacks{[this](std::vector<Envelope>&& batch) {
                                 std::lock_guard lock(mutex_);
                                 for (auto& e : batch) events_.push_back(std::move(e));
                               },
                               [this](const StoreError& error) {
                                 std::lock_guard lock(mutex_);
                                 errors_.push_back(error);
                               }};
  }

  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return events_.size();
  }
  std::vector<Envelope> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<StoreError> errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Envelope> events_;
  std::vector<StoreError> errors_;
};

}  // namespace eventbot::store::test
