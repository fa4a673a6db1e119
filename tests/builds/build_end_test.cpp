// How a build ends (build_end.hpp): BuildFinished first, each request completed with the
// build's result, or unclaimed when the build ended RETRY, and a build ends once.
#include "actors/builds/build_end.hpp"

#include <gtest/gtest.h>

#include "events/streams.hpp"

namespace eventbot::builds {
namespace {

const BuildIdentity kBuild{"linux", 7, {11, 12}};

events::BuildFinished finished(Result result) {
  events::BuildFinished body;
  body.set_builder("linux");
  body.set_number(7);
  body.set_result(result);
  body.add_text(std::string(result_word(result)));
  return body;
}

TEST(BuildEnd, AFinishedBuildCompletesEachOfItsRequestsWithItsResult) {
  for (Result result :
       {events::SUCCESS, events::WARNINGS, events::FAILURE, events::EXCEPTION, events::CANCELLED}) {
    auto events = build_end_events(kBuild, finished(result));
    ASSERT_EQ(events.size(), 3u);
    ASSERT_TRUE(events[0].has_build_finished());
    EXPECT_EQ(events[0].build_finished().result(), result);
    EXPECT_TRUE(events[0].stream().empty());  // the build's: the actor stamps it
    for (std::size_t i = 0; i < 2; ++i) {
      const auto& event = events[i + 1];
      ASSERT_TRUE(event.has_build_request_completed()) << event.ShortDebugString();
      EXPECT_EQ(event.stream(), streams::build_request(kBuild.request_ids[i]));
      EXPECT_EQ(event.build_request_completed().request_id(), kBuild.request_ids[i]);
      EXPECT_EQ(event.build_request_completed().result(), result);
      EXPECT_EQ(event.build_request_completed().builder(), "linux");
      EXPECT_EQ(event.build_request_completed().build_number(), 7u);
    }
  }
}

TEST(BuildEnd, ARetryUnclaimsTheRequestsSoTheyAreBuiltAgain) {
  auto events = build_end_events(kBuild, finished(events::RETRY));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].build_finished().result(), events::RETRY);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& event = events[i + 1];
    EXPECT_FALSE(event.has_build_request_completed());
    ASSERT_TRUE(event.has_build_request_unclaimed()) << event.ShortDebugString();
    EXPECT_EQ(event.stream(), streams::build_request(kBuild.request_ids[i]));
    EXPECT_EQ(event.build_request_unclaimed().request_id(), kBuild.request_ids[i]);
    EXPECT_EQ(event.build_request_unclaimed().reason(), "build linux #7 ended RETRY");
  }
}

TEST(BuildEnd, ABuildWithNoRequestsEndsWithItsBuildFinishedAlone) {
  auto events = build_end_events(BuildIdentity{"linux", 7, {}}, finished(events::SUCCESS));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].has_build_finished());
}

TEST(BuildEnd, EndsOnceAfterTheEventsGivenBeforeIt) {
  BuildEnd end;
  EXPECT_FALSE(end.ended());
  std::vector<events::Envelope> before(1);
  before[0].mutable_step_finished()->set_step_index(2);
  auto first = end.end(kBuild, finished(events::FAILURE), before);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 4u);
  EXPECT_TRUE((*first)[0].has_step_finished());
  EXPECT_TRUE((*first)[1].has_build_finished());
  EXPECT_TRUE(end.ended());
  EXPECT_EQ(end.result(), events::FAILURE);
  // A stop or a lost slave racing the end changes nothing: the build ended FAILURE.
  EXPECT_FALSE(end.end(kBuild, finished(events::RETRY)));
  EXPECT_FALSE(end.end(kBuild, finished(events::CANCELLED)));
  EXPECT_EQ(end.result(), events::FAILURE);
}

}  // namespace
}  // namespace eventbot::builds
