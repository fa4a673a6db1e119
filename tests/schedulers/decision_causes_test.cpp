// What a scheduler's decision is linked to (causation, correlation) and the cause each
// buildset records, for every kind of command: link_decision on the append of a real
// core's decision.
#include "actors/schedulers/decision_causes.hpp"

#include <gtest/gtest.h>

#include "tests/schedulers/harness.hpp"

namespace eventbot::schedulers::testing {
namespace {

using config::SchedulerType;

// The append of `core`'s decision on `command`, linked as the actor links it.
store::AppendRequest linked(SchedulerCore& core, const Command& command,
                            const events::Cause& cause) {
  auto decision = ok(core.decide(command));
  auto request = to_append_request(core, decision, 100, 200);
  link_decision(request, command, cause);
  return request;
}

std::optional<std::size_t> index_of(const store::AppendRequest& request,
                                    events::Envelope::BodyCase body) {
  for (std::size_t i = 0; i < request.events.size(); ++i) {
    if (request.events[i].body_case() == body) return i;
  }
  return std::nullopt;
}

TEST(DecisionCauses, AChangeCausesItsClassificationAndTheBuildsetWhichCausesItsRequests) {
  World w;
  auto& core = w.add(scheduler_config(SchedulerType::single_branch, "quick", {"b1", "b2"}));
  const auto id = w.append_change(change(""));
  const events::Cause change_event{w.log.back().sequence(), 0};
  auto request = linked(core, ConsiderChange{id, w.log.back().change_added(), 0}, change_event);
  auto classified = index_of(request, events::Envelope::kSchedulerChangeClassified);
  auto buildset = index_of(request, events::Envelope::kBuildsetSubmitted);
  ASSERT_TRUE(classified && buildset);
  EXPECT_EQ(request.events[*classified].causation_id(), change_event.sequence);
  EXPECT_EQ(request.events[*classified].correlation_id(), change_event.sequence);
  const auto& bs = request.events[*buildset];
  EXPECT_EQ(bs.causation_id(), change_event.sequence);
  EXPECT_EQ(bs.correlation_id(), change_event.sequence);
  EXPECT_EQ(bs.buildset_submitted().cause().kind(), events::BuildsetCause::CHANGE);
  EXPECT_EQ(std::vector<std::uint64_t>(bs.buildset_submitted().cause().change_ids().begin(),
                                       bs.buildset_submitted().cause().change_ids().end()),
            std::vector<std::uint64_t>{id});
  // Both requests are caused by the buildset, inside the batch.
  std::map<std::size_t, std::size_t> expected;
  for (std::size_t i = 0; i < request.events.size(); ++i) {
    if (request.events[i].has_build_request_submitted()) expected[i] = *buildset;
  }
  EXPECT_EQ(expected.size(), 2u);
  EXPECT_EQ(request.caused_in_batch, expected);
}

TEST(DecisionCauses, ATimerFiringStartsTheChainOfEverythingItDecides) {
  World w;
  auto c = scheduler_config(SchedulerType::periodic, "hourly");
  c.period = 3600;
  auto& core = w.add(c);
  auto timers = core.next_timers();
  ASSERT_EQ(timers.size(), 1u);
  auto request = linked(core, TimerDue{timers[0].name, timers[0].due_us}, {});
  auto fired = index_of(request, events::Envelope::kSchedulerTimerFired);
  auto buildset = index_of(request, events::Envelope::kBuildsetSubmitted);
  auto next = index_of(request, events::Envelope::kSchedulerTimerSet);
  ASSERT_TRUE(fired && buildset && next);
  EXPECT_FALSE(events::linked(request.events[*fired])) << "a firing starts a chain";
  EXPECT_FALSE(request.caused_in_batch.contains(*fired));
  EXPECT_EQ(request.caused_in_batch.at(*buildset), *fired);
  EXPECT_EQ(request.caused_in_batch.at(*next), *fired);
  const auto& cause = request.events[*buildset].buildset_submitted().cause();
  EXPECT_EQ(cause.kind(), events::BuildsetCause::TIMER);
  EXPECT_EQ(cause.timer(), "periodic");
  EXPECT_EQ(cause.timer_due_us(), timers[0].due_us);
}

TEST(DecisionCauses, AForcedBuildsetStartsItsChainAndNamesTheUserOnly) {
  World w;
  auto c = scheduler_config(SchedulerType::force, "force", {"b1"});
  auto& core = w.add(c);
  Force f;
  f.who = "alice";
  f.reason = "release";
  auto request = linked(core, f, {});
  auto buildset = index_of(request, events::Envelope::kBuildsetSubmitted);
  ASSERT_TRUE(buildset);
  EXPECT_FALSE(events::linked(request.events[*buildset]));
  const auto& cause = request.events[*buildset].buildset_submitted().cause();
  EXPECT_EQ(cause.kind(), events::BuildsetCause::FORCE);
  EXPECT_EQ(cause.forced_by(), "alice");
  EXPECT_EQ(cause.change_ids_size(), 0);
  EXPECT_EQ(request.caused_in_batch.at(*buildset + 1), *buildset);
}

TEST(DecisionCauses, ATriggeredBuildsetIsCausedByTheStepAndJoinsTheParentBuildsChain) {
  World w;
  auto& core = w.add(scheduler_config(SchedulerType::triggerable, "deploy", {"b1"}));
  Trigger t;
  t.external_idstring = "trigger:app/3/2:deploy";
  t.parent_builder = "app";
  t.parent_build_number = 3;
  t.parent_step_index = 2;
  t.step_started = {40, 7};
  auto request = linked(core, t, t.step_started);
  auto buildset = index_of(request, events::Envelope::kBuildsetSubmitted);
  ASSERT_TRUE(buildset);
  EXPECT_EQ(request.events[*buildset].causation_id(), 40u);
  EXPECT_EQ(request.events[*buildset].correlation_id(), 7u);
  const auto& cause = request.events[*buildset].buildset_submitted().cause();
  EXPECT_EQ(cause.kind(), events::BuildsetCause::TRIGGER);
  EXPECT_EQ(cause.parent_builder(), "app");
  EXPECT_EQ(cause.parent_build_number(), 3u);
  EXPECT_EQ(cause.parent_step_index(), 2u);
}

TEST(DecisionCauses, ADependentsBuildsetIsCausedByTheUpstreamCompletion) {
  World w;
  w.add(scheduler_config(SchedulerType::single_branch, "tests", {"linux"}));
  auto down = scheduler_config(SchedulerType::dependent, "package", {"deb"});
  down.upstream = "tests";
  auto& core = w.add(down);
  w.add_change(change("", {"a"}, "r1"));
  auto upstream = w.buildsets("tests").at(0).buildset_id();
  const events::Cause completed{90, 12};
  auto request = linked(core, UpstreamCompleted{upstream, events::SUCCESS}, completed);
  auto buildset = index_of(request, events::Envelope::kBuildsetSubmitted);
  ASSERT_TRUE(buildset);
  EXPECT_EQ(request.events[*buildset].causation_id(), 90u);
  EXPECT_EQ(request.events[*buildset].correlation_id(), 12u);
  const auto& cause = request.events[*buildset].buildset_submitted().cause();
  EXPECT_EQ(cause.kind(), events::BuildsetCause::UPSTREAM);
  EXPECT_EQ(cause.upstream_buildset_id(), upstream);
}

}  // namespace
}  // namespace eventbot::schedulers::testing
