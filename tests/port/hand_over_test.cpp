// The thread the port's I/O thread hands blocking work to: jobs run in the order handed
// over, at most `capacity` wait (the next is refused at once, for a "busy" answer), and a
// stop runs what was handed over before it (names start with "port.").
#include "actors/port/hand_over.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/wait_until.hpp"

namespace eventbot::port {
namespace {

// A job that holds the hand-over's thread until released (a store that does not answer).
struct Stall {
  std::mutex mutex;
  std::condition_variable released;
  bool open = false;
  std::atomic<bool> started = false;
  void hold() {
    started = true;
    std::unique_lock lock(mutex);
    released.wait(lock, [this] { return open; });
  }
  void release() {
    {
      std::lock_guard lock(mutex);
      open = true;
    }
    released.notify_all();
  }
};

TEST(HandOver, JobsRunInOrderAndPastTheCapacityTheNextIsRefusedAtOnce) {
  HandOver hand_over(3);
  Stall stall;
  std::mutex mutex;
  std::vector<int> ran;
  ASSERT_TRUE(hand_over.post([&] { stall.hold(); }));
  ASSERT_TRUE(testing::wait_until([&] { return stall.started.load(); }));
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(hand_over.post([&, i] {
      std::lock_guard lock(mutex);
      ran.push_back(i);
    })) << "job "
        << i;
  }
  EXPECT_EQ(hand_over.waiting(), 3u);
  EXPECT_FALSE(hand_over.post([&] { ran.push_back(99); })) << "a fourth waits past the capacity";
  stall.release();
  ASSERT_TRUE(testing::wait_until([&] {
    std::lock_guard lock(mutex);
    return ran.size() == 3;
  }));
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(hand_over.post([] {})) << "room again once they ran";
}

TEST(HandOver, StopRunsWhatWasHandedOverAndRefusesTheRest) {
  HandOver hand_over;
  Stall stall;
  std::atomic<int> ran = 0;
  ASSERT_TRUE(hand_over.post([&] { stall.hold(); }));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(hand_over.post([&] { ++ran; }));
  std::thread stopper([&] { hand_over.stop(); });
  ASSERT_TRUE(testing::wait_until([&] { return !hand_over.post([] {}); }))
      << "posts after stop() are refused";
  stall.release();
  stopper.join();
  EXPECT_EQ(ran.load(), 5) << "stop() dropped jobs handed over before it";
}

TEST(HandOver, AJobThatThrowsLosesOnlyItself) {
  HandOver hand_over;
  std::atomic<bool> after = false;
  ASSERT_TRUE(hand_over.post([] { throw std::runtime_error("boom"); }));
  ASSERT_TRUE(hand_over.post([&] { after = true; }));
  EXPECT_TRUE(testing::wait_until([&] { return after.load(); }));
}

}  // namespace
}  // namespace eventbot::port
