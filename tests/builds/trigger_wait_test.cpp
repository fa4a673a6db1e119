// A trigger step's bookkeeping (trigger_wait.hpp): done once every scheduler accepted,
// and with wait_for_finish once every triggered buildset completed, with their results
// in the schedulers' order; a refusal fails the step; nothing counts once it is done.
#include "actors/builds/trigger_wait.hpp"

#include <gtest/gtest.h>

namespace eventbot::builds {
namespace {

TEST(TriggerWait, WithoutWaitForFinishTheStepIsDoneOnceEverySchedulerAccepted) {
  TriggerWait wait({"trigger:b/1/2:a", "trigger:b/1/2:b"}, false);
  EXPECT_TRUE(wait.waiting());
  EXPECT_FALSE(wait.accepted());
  auto done = wait.accepted();
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->ok);
  EXPECT_TRUE(done->triggered.empty());
  EXPECT_FALSE(wait.waiting());
  // The buildsets completing later change nothing.
  wait.submitted("trigger:b/1/2:a", 5);
  EXPECT_FALSE(wait.buildset_done(5, events::FAILURE));
}

TEST(TriggerWait, WithWaitForFinishItTakesEveryBuildsetsResultInTheSchedulersOrder) {
  TriggerWait wait({"x:a", "x:b"}, true);
  EXPECT_FALSE(wait.accepted());
  EXPECT_FALSE(wait.accepted());  // both accepted, nothing completed yet
  wait.submitted("x:a", 5);
  wait.submitted("x:b", 6);
  wait.submitted("x:other", 7);  // another step's: ignored
  EXPECT_FALSE(wait.buildset_done(7, events::EXCEPTION));
  EXPECT_FALSE(wait.buildset_done(6, events::FAILURE));
  EXPECT_TRUE(wait.waiting());
  auto done = wait.buildset_done(5, events::SUCCESS);
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->ok);
  EXPECT_EQ(done->triggered, (std::vector<Result>{events::SUCCESS, events::FAILURE}));
  EXPECT_FALSE(wait.waiting());
  EXPECT_FALSE(wait.buildset_done(5, events::SUCCESS));
}

TEST(TriggerWait, ABuildsetCompletedBeforeTheLastAcceptanceEndsTheStepWithIt) {
  TriggerWait wait({"x:a"}, true);
  wait.submitted("x:a", 5);
  EXPECT_FALSE(wait.buildset_done(5, events::WARNINGS));  // its scheduler has not answered
  auto done = wait.accepted();
  ASSERT_TRUE(done);
  EXPECT_EQ(done->triggered, (std::vector<Result>{events::WARNINGS}));
}

TEST(TriggerWait, AnUnknownBuildsetKeepsTheStepWaiting) {
  TriggerWait wait({"x:a"}, true);
  EXPECT_FALSE(wait.accepted());
  EXPECT_FALSE(wait.buildset_done(5, events::SUCCESS));  // not known as x:a's yet
  wait.submitted("x:a", 5);
  EXPECT_FALSE(wait.buildset_done(4, events::SUCCESS));
  EXPECT_TRUE(wait.buildset_done(5, events::SUCCESS));
}

TEST(TriggerWait, ARefusalFailsTheStepAtOnceNamingTheScheduler) {
  TriggerWait wait({"x:a", "x:b"}, true);
  EXPECT_FALSE(wait.accepted());
  auto done = wait.refused("b", "no such scheduler");
  ASSERT_TRUE(done);
  EXPECT_FALSE(done->ok);
  EXPECT_EQ(done->error, "trigger b: no such scheduler");
  EXPECT_FALSE(wait.waiting());
  EXPECT_FALSE(wait.refused("a", "late"));
  EXPECT_FALSE(wait.accepted());
}

TEST(TriggerWait, ACancelledWaitAnswersNothingMore) {
  TriggerWait wait({"x:a"}, false);
  wait.cancel();
  EXPECT_FALSE(wait.waiting());
  EXPECT_FALSE(wait.accepted());
  EXPECT_FALSE(wait.refused("a", "late"));
  EXPECT_FALSE(TriggerWait().waiting());
  EXPECT_FALSE(TriggerWait().accepted());
}

}  // namespace
}  // namespace eventbot::builds
