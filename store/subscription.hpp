#pragma once
// A subscription that works over any EventLog: one thread reads forward from its
// position, delivers what it read, and waits for the head to move when it has caught
// up. Catch-up and live delivery are the same loop, so the hand-over can neither skip
// nor repeat an event.
#include <atomic>
#include <thread>

#include "store/event_log.hpp"

namespace eventbot::store {

class ReadingSubscription final : public Subscription {
 public:
  ReadingSubscription(EventLog& log, Sequence from, SubscriberCallbacks callbacks);
  ~ReadingSubscription() override;

  void cancel() override;
  Sequence position() const override { return Sequence(position_.load()); }

 private:
  void run();

  EventLog& log_;
  SubscriberCallbacks callbacks_;
  std::atomic<std::uint64_t> position_;
  std::atomic<bool> cancelled_{false};
  std::thread thread_;
};

}  // namespace eventbot::store
