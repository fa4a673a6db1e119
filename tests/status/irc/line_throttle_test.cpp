// The IRC bot's send rate: a burst, then one line an interval.
#include "actors/status/irc/line_throttle.hpp"

#include <gtest/gtest.h>

namespace eventbot::status::irc {
namespace {

using namespace std::chrono_literals;

TEST(LineThrottle, ABurstLeavesAtOnceThenOneLineAnInterval) {
  LineThrottle throttle(3, 1000ms);
  const auto t0 = LineThrottle::Clock::time_point{} + 100h;
  EXPECT_EQ(throttle.next_send(t0), t0);
  EXPECT_EQ(throttle.next_send(t0), t0);
  EXPECT_EQ(throttle.next_send(t0), t0);
  EXPECT_EQ(throttle.next_send(t0), t0 + 1000ms) << "the fourth waits an interval";
  EXPECT_EQ(throttle.next_send(t0), t0 + 2000ms);
}

TEST(LineThrottle, AQuietSpellRefillsTheBurst) {
  LineThrottle throttle(2, 500ms);
  const auto t0 = LineThrottle::Clock::time_point{} + 100h;
  throttle.next_send(t0);
  throttle.next_send(t0);
  EXPECT_EQ(throttle.next_send(t0), t0 + 500ms);
  const auto later = t0 + 10s;
  EXPECT_EQ(throttle.next_send(later), later);
  EXPECT_EQ(throttle.next_send(later), later);
  EXPECT_EQ(throttle.next_send(later), later + 500ms);
}

}  // namespace
}  // namespace eventbot::status::irc
