// The supervisor's restart back-off: a first failure restarts at once, failures that
// follow each other within a minute wait 1 s, 2 s, 4 s ... up to a minute, and a calm
// minute starts the count again.
#include "actors/master/restart_backoff.hpp"

#include <gtest/gtest.h>

namespace eventbot::master {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RestartBackoff, GrowsWhileFailuresFollowEachOtherAndResetsAfterACalmMinute) {
  RestartBackoff backoff;
  auto t = RestartBackoff::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(backoff.on_failure("scheduler/a", t), milliseconds(0));
  EXPECT_EQ(backoff.on_failure("scheduler/a", t + seconds(1)), milliseconds(1000));
  EXPECT_EQ(backoff.on_failure("scheduler/a", t + seconds(2)), milliseconds(2000));
  EXPECT_EQ(backoff.on_failure("scheduler/a", t + seconds(5)), milliseconds(4000));
  for (int i = 0; i < 10; ++i) backoff.on_failure("scheduler/a", t + seconds(10 + i));
  EXPECT_EQ(backoff.on_failure("scheduler/a", t + seconds(30)), milliseconds(60'000));
  // Another actor has its own count.
  EXPECT_EQ(backoff.on_failure("scheduler/b", t + seconds(30)), milliseconds(0));
  // A minute without failures: at once again.
  EXPECT_EQ(backoff.on_failure("scheduler/a", t + seconds(91)), milliseconds(0));
}

}  // namespace
}  // namespace eventbot::master
