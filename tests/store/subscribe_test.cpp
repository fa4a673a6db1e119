// Subscriptions: catch-up from the log, then live events, with nothing skipped or
// repeated at the hand-over, and nothing delivered after cancel().
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "tests/store/collector.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::store::test {
namespace {

using eventbot::testing::wait_until;

class SubscribeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = open_store(dir_.path(), Durability::no_sync);
    ASSERT_NE(log_, nullptr);
  }
  void append_n(int count) {
    for (int n = 0; n < count; ++n) {
      auto stream = "s" + std::to_string(n % 3);
      ASSERT_TRUE(append_events(*log_, {change_event(stream, "event " + std::to_string(n))}));
    }
  }
  // The events the subscriber got are the log's own, byte for byte.
  void expect_same_as_log(const std::vector<Envelope>& got, std::uint64_t from) {
    auto stored = log_->read_forward(Sequence(from), got.size());
    ASSERT_TRUE(stored);
    ASSERT_EQ(stored->size(), got.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].SerializeAsString(), (*stored)[i].SerializeAsString()) << "event " << i;
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<RocksEventLog> log_;
};

TEST_F(SubscribeTest, FromOneDeliversExistingThenLiveEventsOnceInOrder) {
  ASSERT_NO_FATAL_FAILURE(append_n(10));
  Collector got;
  auto subscription = log_->subscribe(Sequence(1), got.callbacks());
  ASSERT_TRUE(wait_until([&] { return got.count() >= 10; }));
  EXPECT_EQ(sequences_of(got.events()), range(1, 10));

  ASSERT_NO_FATAL_FAILURE(append_n(5));
  ASSERT_TRUE(wait_until([&] { return got.count() >= 15; }));
  EXPECT_EQ(subscription->position(), Sequence(16));
  subscription->cancel();
  EXPECT_EQ(sequences_of(got.events()), range(1, 15));
  expect_same_as_log(got.events(), 1);
  EXPECT_TRUE(got.errors().empty());
}

TEST_F(SubscribeTest, FromAMiddleSequenceStartsThere) {
  ASSERT_NO_FATAL_FAILURE(append_n(10));
  Collector got;
  auto subscription = log_->subscribe(Sequence(6), got.callbacks());
  ASSERT_TRUE(wait_until([&] { return got.count() >= 5; }));
  ASSERT_NO_FATAL_FAILURE(append_n(2));
  ASSERT_TRUE(wait_until([&] { return got.count() >= 7; }));
  subscription->cancel();
  EXPECT_EQ(sequences_of(got.events()), range(6, 12));
  expect_same_as_log(got.events(), 6);
}

TEST_F(SubscribeTest, OnAnEmptyLogWaitsForTheFirstEvent) {
  Collector got;
  auto subscription = log_->subscribe(Sequence(1), got.callbacks());
  ASSERT_NO_FATAL_FAILURE(append_n(1));
  ASSERT_TRUE(wait_until([&] { return got.count() >= 1; }));
  subscription->cancel();
  EXPECT_EQ(sequences_of(got.events()), range(1, 1));
}

// Four appenders run while the subscription catches up and then goes live: the
// subscriber must see exactly 1..head, however the hand-over interleaves with appends.
TEST_F(SubscribeTest, HandOverUnderConcurrentAppendsHasNoGapOrDuplicate) {
  constexpr int kAppenders = 4;
  constexpr std::uint64_t kTotal = 20'000;
  std::atomic<std::uint64_t> claimed{0};
  std::atomic<int> failures{0};
  std::atomic<bool> subscribed{false};
  std::vector<std::jthread> appenders;  // joined even if an assertion returns early
  for (int t = 0; t < kAppenders; ++t) {
    appenders.emplace_back([&, t] {
      // Batches of 1-3 events; each batch first claims its share of the total.
      for (int n = 0;; ++n) {
        std::uint64_t size = 1 + (n + t) % 3;
        auto before = claimed.fetch_add(size);
        if (before >= kTotal) return;
        // Half-way, wait for the subscription, so that appends go on during its catch-up.
        if (before >= kTotal / 2) wait_until([&] { return subscribed.load(); });
        size = std::min(size, kTotal - before);
        std::vector<Envelope> batch;
        for (std::uint64_t i = 0; i < size; ++i) {
          batch.push_back(change_event("appender/" + std::to_string(t), "n" + std::to_string(n)));
        }
        if (!log_->append(request_of(std::move(batch)))) ++failures;
      }
    });
  }

  // Subscribe while the appenders are busy, with a backlog to catch up on.
  ASSERT_TRUE(wait_until([&] { return log_->head().value() >= kTotal / 4; }));
  Collector got;
  auto subscription = log_->subscribe(Sequence(1), got.callbacks());
  const auto head_at_subscribe = log_->head().value();
  subscribed = true;
  for (auto& thread : appenders) thread.join();
  EXPECT_LT(head_at_subscribe, kTotal / 2 + kAppenders * 3);
  EXPECT_EQ(failures.load(), 0);
  const auto head = log_->head().value();
  EXPECT_EQ(head, kTotal);

  ASSERT_TRUE(wait_until([&] { return got.count() >= head; }, std::chrono::seconds(30)))
      << "got " << got.count() << " of " << head;
  subscription->cancel();
  EXPECT_EQ(sequences_of(got.events()), range(1, head));
  EXPECT_TRUE(got.errors().empty());
}

TEST_F(SubscribeTest, NoCallbackRunsAfterCancelReturns) {
  ASSERT_NO_FATAL_FAILURE(append_n(3));
  std::atomic<bool> cancelled{false};
  std::atomic<int> calls_after_cancel{0};
  std::atomic<std::size_t> received{0};
  auto subscription = log_->subscribe(
      Sequence(1), SubscriberCallbacks{[&](std::vector<Envelope>&& batch) {
                                         if (cancelled) ++calls_after_cancel;
                                         received += batch.size();
                                       },
                                       [&](const StoreError&) { ++calls_after_cancel; }});
  ASSERT_TRUE(wait_until([&] { return received >= 3; }));
  subscription->cancel();
  cancelled = true;

  // A second subscription witnesses the new events: once it has them all, the
  // cancelled one would have had its chance to (wrongly) deliver them too.
  Collector witness;
  auto witness_subscription = log_->subscribe(Sequence(1), witness.callbacks());
  ASSERT_NO_FATAL_FAILURE(append_n(5));
  ASSERT_TRUE(wait_until([&] { return witness.count() >= 8; }));
  witness_subscription->cancel();
  EXPECT_EQ(calls_after_cancel.load(), 0);
  EXPECT_EQ(received.load(), 3u);
  EXPECT_EQ(subscription->position(), Sequence(4));
  subscription->cancel();  // a second cancel is harmless
}

TEST_F(SubscribeTest, CancelWaitsForARunningCallbackToReturn) {
  ASSERT_NO_FATAL_FAILURE(append_n(1));
  std::atomic<bool> in_callback{false}, release{false}, callback_done{false};
  auto subscription =
      log_->subscribe(Sequence(1), SubscriberCallbacks{[&](std::vector<Envelope>&&) {
                                                         in_callback = true;
                                                         while (!release) std::this_thread::yield();
                                                         callback_done = true;
                                                       },
                                                       nullptr});
  ASSERT_TRUE(wait_until([&] { return in_callback.load(); }));

  std::atomic<bool> cancel_returned{false};
  bool callback_done_when_cancel_returned = false;
  std::thread canceller([&] {
    subscription->cancel();
    callback_done_when_cancel_returned = callback_done;
    cancel_returned = true;
  });
  // Not a synchronisation sleep: an observation window in which cancel() must not return.
  EXPECT_FALSE(wait_until([&] { return cancel_returned.load(); }, std::chrono::milliseconds(100)));
  release = true;
  canceller.join();
  EXPECT_TRUE(callback_done_when_cancel_returned);
}

}  // namespace
}  // namespace eventbot::store::test
