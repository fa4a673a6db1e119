#include "store/subscription.hpp"

#include <algorithm>

namespace eventbot::store {
namespace {
constexpr std::size_t kBatch = 1024;
// How long one wait for new events lasts before the cancel flag is looked at again.
constexpr std::chrono::milliseconds kWaitSlice{50};
}  // namespace

ReadingSubscription::ReadingSubscription(EventLog& log, Sequence from,
                                         SubscriberCallbacks callbacks)
    : log_(log),
      callbacks_(std::move(callbacks)),
      position_(std::max<std::uint64_t>(from.value(), 1)),
      thread_([this] { run(); }) {}

ReadingSubscription::~ReadingSubscription() {
  cancel();
}

void ReadingSubscription::cancel() {
  cancelled_ = true;
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void ReadingSubscription::run() {
  while (!cancelled_) {
    Sequence next(position_.load());
    auto batch = log_.read_forward(next, kBatch);
    if (!batch) {
      // A corrupt record fails the whole read, but the events before it are good:
      // deliver them first, so the subscriber sees everything up to the damage.
      const auto& failure = batch.error();
      if (failure.code == StoreErrc::corrupt_record && failure.sequence > next.value()) {
        auto before = log_.read_forward(next, failure.sequence - next.value());
        if (before && !before->empty() && !cancelled_) {
          position_ = before->back().sequence() + 1;
          if (callbacks_.on_events) callbacks_.on_events(std::move(*before));
        }
      }
      if (callbacks_.on_error) callbacks_.on_error(failure);
      return;
    }
    if (batch->empty()) {
      log_.wait_for_head_beyond(Sequence(next.value() - 1), kWaitSlice);
      continue;
    }
    position_ = batch->back().sequence() + 1;
    if (callbacks_.on_events) callbacks_.on_events(std::move(*batch));
  }
}

}  // namespace eventbot::store
