// Which finished builds each `notify` event reports.
#include "actors/status/irc/notify_events.hpp"

#include <gtest/gtest.h>

namespace eventbot::status::irc {
namespace {

TEST(NotifyEvents, KnowsTheManualsEventsAndEveryTransition) {
  for (const char* name : {"started", "finished", "success", "warnings", "failure", "exception",
                           "successToFailure", "failureToSuccess", "warningsToException"}) {
    EXPECT_TRUE(is_notify_event(name)) << name;
  }
  EXPECT_FALSE(is_notify_event("successToSuccess"));
  EXPECT_FALSE(is_notify_event("successtofailure")) << "Y is capitalised";
  EXPECT_FALSE(is_notify_event("explode"));
  EXPECT_EQ(notify_event_names().size(), 6u + 12u);
}

TEST(NotifyEvents, ATransitionNeedsThePreviousBuildsResult) {
  EXPECT_TRUE(finished_matches("successToFailure", "failure", "success"));
  EXPECT_FALSE(finished_matches("successToFailure", "failure", "failure"));
  EXPECT_FALSE(finished_matches("successToFailure", "failure", std::nullopt))
      << "a builder's first build is no transition";
  EXPECT_TRUE(finished_matches("failureToSuccess", "success", "failure"));
  EXPECT_FALSE(finished_matches("failureToSuccess", "warnings", "failure"));
}

TEST(NotifyEvents, ResultsAndFinishedMatchAndStartedNever) {
  EXPECT_TRUE(finished_matches("finished", "exception", std::nullopt));
  EXPECT_TRUE(finished_matches("failure", "failure", "failure"));
  EXPECT_FALSE(finished_matches("failure", "success", std::nullopt));
  EXPECT_FALSE(finished_matches("started", "success", std::nullopt));
}

}  // namespace
}  // namespace eventbot::status::irc
