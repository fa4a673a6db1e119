// What a build's events are linked to (BuildCauses): each rule of build_causes.hpp on the
// appends a build actor makes, a cause in the same append, and a build taken back after a
// restart (its causes folded from its stream).
#include "actors/builds/build_causes.hpp"

#include <gtest/gtest.h>

#include "events/streams.hpp"

namespace eventbot::builds {
namespace {

const events::Cause kStarted{10, 3};  // BuildStarted at 10, in the chain of event 3

events::Envelope step_started(std::uint32_t step) {
  events::Envelope e;
  e.mutable_step_started()->set_builder("b");
  e.mutable_step_started()->set_build_number(1);
  e.mutable_step_started()->set_step_index(step);
  return e;
}
events::Envelope step_finished(std::uint32_t step) {
  events::Envelope e;
  e.mutable_step_finished()->set_step_index(step);
  return e;
}
events::Envelope log_opened(std::uint32_t step) {
  events::Envelope e;
  e.mutable_log_opened()->set_builder("b");
  e.mutable_log_opened()->set_build_number(1);
  e.mutable_log_opened()->set_step_index(step);
  e.mutable_log_opened()->set_name("stdio");
  return e;
}
events::Envelope log_chunk(std::uint32_t step) {
  events::Envelope e;
  e.set_stream(streams::log("b", 1, step, "stdio"));
  e.mutable_log_chunk()->set_data("x");
  return e;
}

TEST(BuildCauses, AStepStartedInAnEarlierAppendCausesItsEventsAndBuildStartedCausesTheStep) {
  BuildCauses causes(kStarted);
  std::vector<events::Envelope> first{step_started(0)};
  auto links = causes.link(first, -1);
  EXPECT_EQ(first[0].causation_id(), 10u);
  EXPECT_EQ(first[0].correlation_id(), 3u);
  causes.appended(links, 20);
  EXPECT_EQ(causes.step(0), (events::Cause{20, 3}));

  std::vector<events::Envelope> output{log_opened(0), log_chunk(0)};
  EXPECT_TRUE(causes.link(output, 0).caused_in_batch.empty());
  for (const auto& e : output) {
    EXPECT_EQ(e.causation_id(), 20u) << e.ShortDebugString();
    EXPECT_EQ(e.correlation_id(), 3u);
  }
  // A log of step 0 closed while nothing runs (an aborted build) is still step 0's.
  events::Envelope closed;
  closed.set_stream(streams::log("b", 1, 0, "stdio"));
  closed.mutable_log_closed();
  std::vector<events::Envelope> end{closed, step_finished(0)};
  causes.link(end, -1);
  EXPECT_EQ(end[0].causation_id(), 20u);
  EXPECT_EQ(end[1].causation_id(), 20u);
}

TEST(BuildCauses, ACauseInTheSameAppendIsLeftToTheStore) {
  BuildCauses causes(kStarted);
  events::Envelope finished;
  finished.mutable_build_finished();
  events::Envelope completed;
  completed.set_stream(streams::build_request(4));
  completed.mutable_build_request_completed()->set_request_id(4);
  events::Envelope unclaimed;
  unclaimed.mutable_build_request_unclaimed()->set_request_id(5);
  // A skipped step: StepStarted and StepFinished together; then the build's end.
  std::vector<events::Envelope> batch{step_started(2), step_finished(2), finished, completed,
                                      unclaimed};
  auto links = causes.link(batch, -1);
  EXPECT_EQ(links.caused_in_batch, (std::map<std::size_t, std::size_t>{{1, 0}, {3, 2}, {4, 2}}));
  EXPECT_FALSE(events::linked(batch[1])) << "the store links it";
  EXPECT_EQ(batch[2].causation_id(), 10u) << "BuildFinished: caused by BuildStarted";
  ASSERT_EQ(links.step_starts.size(), 1u);
  EXPECT_EQ(links.step_starts[0], (std::pair<std::size_t, std::uint32_t>{0, 2}));
}

TEST(BuildCauses, EventsAlreadyLinkedAndEventsOfNoStepKeepTheirOwnOrTheBuildsLinks) {
  BuildCauses causes(kStarted);
  events::Envelope linked = step_finished(1);
  linked.set_causation_id(7);
  linked.set_correlation_id(7);
  events::Envelope properties;
  properties.mutable_build_properties_set();
  std::vector<events::Envelope> batch{linked, properties};
  causes.link(batch, -1);
  EXPECT_EQ(batch[0].causation_id(), 7u);
  EXPECT_EQ(batch[1].causation_id(), 10u) << "no step runs: the build's";
}

// The build actor appends a step's end with the next step's start and command in one
// append: the properties the ended step set stay that step's, the command is the new
// step's, whichever step the actor says is running.
TEST(BuildCauses, OneAppendWithAStepsEndAndTheNextStepsStartLinksEachToItsOwnStep) {
  BuildCauses causes(kStarted);
  std::vector<events::Envelope> first{step_started(0)};
  causes.appended(causes.link(first, -1), 20);
  events::Envelope properties;
  properties.mutable_build_properties_set();
  events::Envelope sent;
  sent.mutable_step_command_sent()->set_step_index(1);
  for (std::int32_t running : {-1, 1}) {
    std::vector<events::Envelope> batch{log_chunk(0), step_finished(0), properties, step_started(1),
                                        sent};
    auto links = causes.link(batch, running);
    EXPECT_EQ(batch[1].causation_id(), 20u) << "StepFinished: its StepStarted";
    EXPECT_EQ(batch[2].causation_id(), 20u)
        << "properties set by step 0 (running " << running << ")";
    EXPECT_EQ(batch[3].causation_id(), 10u) << "StepStarted: BuildStarted";
    EXPECT_EQ(links.caused_in_batch, (std::map<std::size_t, std::size_t>{{4, 3}}))
        << "StepCommandSent: the StepStarted of the same append";
    ASSERT_EQ(links.step_starts.size(), 1u);
    EXPECT_EQ(links.step_starts[0], (std::pair<std::size_t, std::uint32_t>{3, 1}));
  }
}

// After a restart the build's causes come from its own stream.
TEST(BuildCauses, FoldedFromTheBuildsStreamAfterARestart) {
  BuildCauses causes;
  EXPECT_FALSE(causes.build().known());
  events::Envelope started;
  started.set_sequence(10);
  started.set_correlation_id(3);
  started.mutable_build_started();
  causes.evolve(started);
  auto step = step_started(1);
  step.set_sequence(14);
  step.set_correlation_id(3);
  causes.evolve(step);
  auto opened = log_opened(1);
  opened.set_sequence(15);
  causes.evolve(opened);
  EXPECT_EQ(causes.build(), kStarted);
  EXPECT_EQ(causes.step(1), (events::Cause{14, 3}));
  EXPECT_EQ(causes.step(2), kStarted) << "a step not started: the build";
  std::vector<events::Envelope> batch{log_chunk(1)};
  causes.link(batch, -1);
  EXPECT_EQ(batch[0].causation_id(), 14u);
}

}  // namespace
}  // namespace eventbot::builds
