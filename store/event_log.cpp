#include "store/event_log.hpp"

#include "store/subscription.hpp"

namespace eventbot::store {

StoreResult<Sequence> EventLog::scan(Sequence from, Sequence to,
                                     const std::function<bool(const Envelope&)>& visit) {
  constexpr std::size_t kBatch = 4096;
  if (to.value() == 0) to = head();
  Sequence last(from.value() == 0 ? 0 : from.value() - 1);
  Sequence next = last.next();
  while (next <= to) {
    auto batch = read_forward(next, kBatch);
    if (!batch) return unexpected(batch.error());
    if (batch->empty()) break;
    for (const auto& envelope : *batch) {
      if (envelope.sequence() > to.value()) return last;
      if (!visit(envelope)) return Sequence(envelope.sequence());
      last = Sequence(envelope.sequence());
    }
    next = last.next();
  }
  return last;
}

std::unique_ptr<Subscription> EventLog::subscribe(Sequence from, SubscriberCallbacks callbacks) {
  return std::make_unique<ReadingSubscription>(*this, from, std::move(callbacks));
}

}  // namespace eventbot::store
