// BuildCore: whole builds driven by hand, as the actor would, and rebuilt from events.
#include "actors/builds/build_core.hpp"

#include <gtest/gtest.h>

namespace eventbot::builds {
namespace {

using events::CANCELLED;
using events::FAILURE;
using events::RETRY;
using events::SKIPPED;
using events::SUCCESS;
using events::WARNINGS;

config::StepConfig step(const std::string& type, const std::string& name,
                        std::map<std::string, std::string> params = {}) {
  return config::StepConfig{type, name, std::move(params)};
}

BuildSetup setup(std::vector<config::StepConfig> steps) {
  BuildSetup s;
  s.builder.name = "runtests";
  s.builder.builddir = "runtests";
  s.builder.steps = std::move(steps);
  s.builder.properties["from_builder"] = "\"b\"";
  s.build_number = 7;
  s.slave = "slave1";
  s.slave_builder_dir = "/home/slave/runtests";
  events::SourceStamp ss;
  ss.set_branch("main");
  ss.set_revision("abc123");
  ss.set_repository("git://example/repo");
  s.sourcestamps = {ss};
  events::Property p;
  p.set_name("from_scheduler");
  p.set_value_json("\"s\"");
  p.set_source("Scheduler");
  s.properties = {p};
  return s;
}

wire::CommandResult rc(int code) {
  wire::CommandResult r;
  r.set_outcome(wire::FINISHED);
  r.set_rc(code);
  return r;
}

wire::Output out(const std::string& text) {
  wire::Output o;
  o.set_kind(wire::STDOUT);
  o.set_data(text);
  return o;
}

StartStep expect_start(BuildCore& core, std::uint32_t index) {
  auto action = core.next();
  auto* start = std::get_if<StartStep>(&action);
  EXPECT_NE(start, nullptr) << "expected step " << index;
  if (!start) return StartStep{};
  EXPECT_EQ(start->index, index);
  EXPECT_EQ(start->started.step_index(), index);
  return *start;
}

FinishBuild expect_finish(BuildCore& core) {
  auto action = core.next();
  auto* finish = std::get_if<FinishBuild>(&action);
  EXPECT_NE(finish, nullptr) << "expected the build to finish";
  return finish ? *finish : FinishBuild{};
}

// Records every event a run produces, for rebuilding.
struct Log {
  std::vector<events::Envelope> events;
  void add(const events::StepStarted& b) {
    events.emplace_back().mutable_step_started()->CopyFrom(b);
  }
  void add(const events::StepFinished& b) {
    events.emplace_back().mutable_step_finished()->CopyFrom(b);
  }
  void add(const StepDone& d) {
    add(d.finished);
    if (d.properties) events.emplace_back().mutable_build_properties_set()->CopyFrom(*d.properties);
  }
  void add(const events::BuildStarted& b) {
    events.emplace_back().mutable_build_started()->CopyFrom(b);
  }
  void add(const events::BuildStopRequested& b) {
    events.emplace_back().mutable_build_stop_requested()->CopyFrom(b);
  }
};

std::vector<config::StepConfig> four_steps() {
  return {step("git", "checkout", {{"repourl", "\"git://example/repo\""}}),
          step("compile", "compile"), step("test", "test", {{"halt_on_failure", "true"}}),
          step("shell", "cleanup", {{"command", "[\"make\",\"clean\"]"}, {"always_run", "true"}})};
}

TEST(BuildCore, StartedCarriesLayeredAndStandardProperties) {
  BuildCore core(setup(four_steps()));
  auto started = core.started();
  EXPECT_EQ(started.builder(), "runtests");
  EXPECT_EQ(started.number(), 7u);
  EXPECT_EQ(started.slave(), "slave1");
  EXPECT_EQ(core.properties().text("buildername"), "runtests");
  EXPECT_EQ(core.properties().text("buildnumber"), "7");
  EXPECT_EQ(core.properties().text("branch"), "main");
  EXPECT_EQ(core.properties().text("revision"), "abc123");
  EXPECT_EQ(core.properties().text("workdir"), "/home/slave/runtests");
  EXPECT_EQ(core.properties().source("from_builder"), "Builder");
  EXPECT_EQ(core.properties().source("from_scheduler"), "Scheduler");
  EXPECT_EQ(static_cast<std::size_t>(started.properties_size()), core.properties().size());
}

TEST(BuildCore, FourStepsWithAFailingHaltingTest) {
  BuildCore core(setup(four_steps()));
  // 1. git: sets got_revision
  auto s0 = expect_start(core, 0);
  ASSERT_TRUE(s0.plan.remote.has_value());
  EXPECT_TRUE(s0.plan.remote->has_git());
  EXPECT_EQ(s0.plan.remote->git().revision(), "abc123");
  EXPECT_EQ(s0.started.name(), "checkout");
  EXPECT_TRUE(std::holds_alternative<WaitForStep>(core.next()));
  auto r0 = rc(0);
  (*r0.mutable_values())["got_revision"] = "abc123full";
  auto d0 = core.step_done(0, r0);
  ASSERT_TRUE(d0.has_value());
  EXPECT_EQ(d0->finished.result(), SUCCESS);
  ASSERT_TRUE(d0->properties.has_value());
  EXPECT_EQ(core.properties().text("got_revision"), "abc123full");
  // 2. compile with one warning
  auto s1 = expect_start(core, 1);
  EXPECT_EQ(s1.plan.remote->shell().argv(0), "make");
  core.step_output(1, out("a.c:1: warning: unused\nok\n"));
  auto d1 = core.step_done(1, rc(0));
  EXPECT_EQ(d1->finished.result(), WARNINGS);
  EXPECT_EQ(core.result(), WARNINGS);
  EXPECT_EQ(d1->logs.size(), 1u);
  // 3. test fails and halts
  expect_start(core, 2);
  core.step_output(2, out("[  FAILED  ] 2 tests, listed below:\n"));
  auto d2 = core.step_done(2, rc(1));
  EXPECT_EQ(d2->finished.result(), FAILURE);
  EXPECT_TRUE(d2->halt);
  EXPECT_EQ(core.result(), FAILURE);
  // 4. cleanup still runs: always_run
  auto s3 = expect_start(core, 3);
  EXPECT_EQ(s3.plan.remote->shell().argv(1), "clean");
  auto d3 = core.step_done(3, rc(0));
  EXPECT_EQ(d3->finished.result(), SUCCESS);
  auto finish = expect_finish(core);
  EXPECT_EQ(finish.finished.result(), FAILURE);
  ASSERT_GE(finish.finished.text_size(), 2);
  EXPECT_EQ(finish.finished.text(0), "failed");
  EXPECT_EQ(finish.finished.text(1), "test");
  // finished is final
  EXPECT_EQ(expect_finish(core).finished.result(), FAILURE);
  EXPECT_FALSE(core.step_done(3, rc(0)).has_value());
}

TEST(BuildCore, HaltSkipsStepsThatAreNotAlwaysRun) {
  BuildCore core(setup({step("shell", "a", {{"command", "\"false\""}, {"halt_on_failure", "true"}}),
                        step("shell", "b", {{"command", "\"true\""}}),
                        step("shell", "c", {{"command", "\"true\""}, {"always_run", "true"}}),
                        step("shell", "d", {{"command", "\"true\""}})}));
  expect_start(core, 0);
  EXPECT_TRUE(core.step_done(0, rc(1))->halt);
  expect_start(core, 2);  // b is passed over
  core.step_done(2, rc(0));
  EXPECT_EQ(expect_finish(core).finished.result(), FAILURE);
}

TEST(BuildCore, SuccessfulBuildText) {
  BuildCore core(setup({step("shell", "a", {{"command", "\"true\""}})}));
  expect_start(core, 0);
  core.step_done(0, rc(0));
  auto finish = expect_finish(core);
  EXPECT_EQ(finish.finished.result(), SUCCESS);
  EXPECT_EQ(finish.finished.text(0), "build");
  EXPECT_EQ(finish.finished.text(1), "successful");
}

TEST(BuildCore, DoStepIfFalseIsSkippedAndHideable) {
  BuildCore core(
      setup({step("shell", "only-dev",
                  {{"command", "\"x\""},
                   {"do_step_if", "\"prop:branch == 'dev'\""},
                   {"hide_step_if", "\"result == 'SKIPPED'\""}}),
             step("shell", "only-main",
                  {{"command", "\"y\""}, {"do_step_if", "\"prop:branch == 'main'\""}})}));
  auto s0 = expect_start(core, 0);
  EXPECT_EQ(s0.plan.kind, StepPlan::Kind::skip);
  ASSERT_TRUE(s0.finished.has_value());
  EXPECT_EQ(s0.finished->result(), SKIPPED);
  EXPECT_TRUE(s0.finished->hidden());
  auto s1 = expect_start(core, 1);
  EXPECT_EQ(s1.plan.kind, StepPlan::Kind::remote);
  EXPECT_FALSE(s1.finished.has_value());
  EXPECT_FALSE(core.step_done(1, rc(0))->finished.hidden());
  EXPECT_EQ(expect_finish(core).finished.result(), SUCCESS);  // SKIPPED did not count
}

TEST(BuildCore, HideStepIfSeesTheResult) {
  BuildCore core(setup(
      {step("shell", "a", {{"command", "\"x\""}, {"hide_step_if", "\"result in ('SUCCESS')\""}}),
       step("shell", "b", {{"command", "\"x\""}, {"hide_step_if", "\"result in ('SUCCESS')\""}})}));
  expect_start(core, 0);
  EXPECT_TRUE(core.step_done(0, rc(0))->finished.hidden());
  expect_start(core, 1);
  EXPECT_FALSE(core.step_done(1, rc(2))->finished.hidden());
}

TEST(BuildCore, StepThatCannotBePreparedIsAnException) {
  BuildCore core(setup({step("shell", "a", {{"command", "\"echo %(nope)s\""}}),
                        step("shell", "b", {{"command", "\"echo\""}})}));
  auto s0 = expect_start(core, 0);
  ASSERT_TRUE(s0.finished.has_value());
  EXPECT_EQ(s0.finished->result(), events::EXCEPTION);
  EXPECT_EQ(expect_finish(core).finished.result(), events::EXCEPTION);  // halts: b never runs
}

TEST(BuildCore, StopMidBuildCancelsRunsAlwaysRunOnly) {
  BuildCore core(setup(four_steps()));
  expect_start(core, 0);
  core.step_done(0, rc(0));
  expect_start(core, 1);
  auto stop = core.stop("alice", "wrong commit");
  ASSERT_TRUE(stop.has_value());
  EXPECT_EQ(stop->requested.who(), "alice");
  EXPECT_EQ(stop->requested.reason(), "wrong commit");
  ASSERT_TRUE(stop->interrupt.has_value());
  EXPECT_EQ(*stop->interrupt, 1u);
  EXPECT_FALSE(core.stop("bob", "again").has_value());
  wire::CommandResult interrupted;
  interrupted.set_outcome(wire::INTERRUPTED);
  auto d1 = core.step_done(1, interrupted);
  EXPECT_EQ(d1->finished.result(), CANCELLED);
  expect_start(core, 3);  // test is not run, cleanup is
  core.step_done(3, rc(0));
  EXPECT_EQ(expect_finish(core).finished.result(), CANCELLED);
}

TEST(BuildCore, InterruptedStepThatFailsCountsAsCancelled) {
  BuildCore core(setup({step("shell", "a", {{"command", "\"sleep 100\""}})}));
  expect_start(core, 0);
  core.stop("alice", "");
  EXPECT_EQ(core.step_done(0, rc(-9))->finished.result(), CANCELLED);
  EXPECT_EQ(expect_finish(core).finished.result(), CANCELLED);
}

TEST(BuildCore, SlaveLostIsRetryAndNothingMoreRuns) {
  BuildCore core(setup(four_steps()));
  expect_start(core, 0);
  core.step_done(0, rc(0));
  expect_start(core, 1);
  auto lost = core.slave_lost();
  ASSERT_TRUE(lost.step.has_value());
  EXPECT_FALSE(lost.between_steps.has_value()) << "the step's RETRY end records the loss";
  EXPECT_EQ(lost.step->finished.result(), RETRY);
  EXPECT_TRUE(lost.step->halt);
  auto finish = expect_finish(core);  // not even the always_run cleanup
  EXPECT_EQ(finish.finished.result(), RETRY);
}

// The build actor's last resort when an exception escapes its handling of a message: the
// running step and the build end EXCEPTION with the reason, and the core says it is
// finished (nothing more runs, the same FinishBuild from then on).
TEST(BuildCore, AbortEndsTheRunningStepAndTheBuildInException) {
  BuildCore core(setup(four_steps()));
  expect_start(core, 0);
  core.step_done(0, rc(0));
  expect_start(core, 1);
  auto aborted = core.abort("internal error: boom");
  ASSERT_TRUE(aborted.step.has_value());
  EXPECT_EQ(aborted.step->step_index(), 1u);
  EXPECT_EQ(aborted.step->result(), events::EXCEPTION);
  EXPECT_EQ(aborted.finished.result(), events::EXCEPTION);
  EXPECT_EQ(
      std::vector<std::string>(aborted.finished.text().begin(), aborted.finished.text().end()),
      (std::vector<std::string>{"exception", "internal error: boom"}));
  EXPECT_TRUE(core.finished());
  EXPECT_FALSE(core.running_step().has_value());
  auto finish = expect_finish(core);
  EXPECT_EQ(finish.finished.result(), events::EXCEPTION);
}

// Between steps the loss is an event of its own (BuildSlaveLost), so a core rebuilt from
// the log before the build's end was appended still ends RETRY and runs nothing more.
TEST(BuildCore, SlaveLostBetweenStepsIsRetryAndAnEventThatReplays) {
  Log log;
  BuildCore core(setup(four_steps()));
  log.add(core.started());
  auto s0 = expect_start(core, 0);
  log.add(s0.started);
  log.add(*core.step_done(0, rc(0)));
  auto lost = core.slave_lost();
  EXPECT_FALSE(lost.step.has_value());
  ASSERT_TRUE(lost.between_steps.has_value());
  EXPECT_EQ(lost.between_steps->builder(), "runtests");
  EXPECT_EQ(lost.between_steps->slave(), "slave1");
  EXPECT_EQ(lost.between_steps->build_number(), 7u);
  log.events.emplace_back().mutable_build_slave_lost()->CopyFrom(*lost.between_steps);
  EXPECT_EQ(expect_finish(core).finished.result(), RETRY);

  BuildCore rebuilt(setup(four_steps()));
  for (const auto& e : log.events) rebuilt.evolve(e);
  EXPECT_EQ(rebuilt.result(), RETRY);
  EXPECT_EQ(expect_finish(rebuilt).finished.result(), RETRY) << "a rebuilt core ran on";

  BuildCore without_it(setup(four_steps()));
  for (std::size_t i = 0; i + 1 < log.events.size(); ++i) without_it.evolve(log.events[i]);
  EXPECT_NE(without_it.result(), RETRY) << "the loss must come from the event alone";
}

TEST(BuildCore, SlaveLostOfAFinishedBuildChangesNothing) {
  BuildCore core(setup({step("shell", "a", {{"command", "\"true\""}})}));
  expect_start(core, 0);
  core.step_done(0, rc(0));
  EXPECT_EQ(expect_finish(core).finished.result(), events::SUCCESS);
  auto lost = core.slave_lost();
  EXPECT_FALSE(lost.step || lost.between_steps);
  EXPECT_EQ(core.result(), events::SUCCESS);
}

TEST(BuildCore, RebuildFromEventsContinuesWithTheNextStep) {
  Log log;
  BuildCore live(setup(four_steps()));
  log.add(live.started());
  auto s0 = expect_start(live, 0);
  log.add(s0.started);
  auto r0 = rc(0);
  (*r0.mutable_values())["got_revision"] = "fullrev";
  log.add(*live.step_done(0, r0));
  auto s1 = expect_start(live, 1);
  log.add(s1.started);
  log.add(*live.step_done(1, rc(2)));  // compile fails: halts (compile halts on failure)

  BuildCore rebuilt(setup(four_steps()));
  for (const auto& e : log.events) rebuilt.evolve(e);
  EXPECT_EQ(rebuilt.result(), FAILURE);
  EXPECT_TRUE(rebuilt.halted());
  EXPECT_EQ(rebuilt.properties().text("got_revision"), "fullrev");
  EXPECT_FALSE(rebuilt.running_step().has_value());
  auto next = expect_start(rebuilt, 3);  // the always_run cleanup, as the live core
  auto live_next = expect_start(live, 3);
  EXPECT_EQ(next.started.DebugString(), live_next.started.DebugString());
}

TEST(BuildCore, RebuildWithARunningStepCanReattach) {
  Log log;
  BuildCore live(setup(four_steps()));
  auto s0 = expect_start(live, 0);
  log.add(s0.started);
  log.add(*live.step_done(0, rc(0)));
  auto s1 = expect_start(live, 1);
  log.add(s1.started);

  BuildCore rebuilt(setup(four_steps()));
  for (const auto& e : log.events) rebuilt.evolve(e);
  auto running = rebuilt.running_step();
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->index, 1u);
  ASSERT_NE(running->plan, nullptr);
  EXPECT_TRUE(running->plan->remote->has_shell());
  EXPECT_TRUE(std::holds_alternative<WaitForStep>(rebuilt.next()));
  // re-attached: output fed again reaches the parser
  rebuilt.step_output(1, out("x.c:2: warning: y\n"));
  EXPECT_EQ(rebuilt.step_done(1, rc(0))->finished.result(), WARNINGS);
}

TEST(BuildCore, RebuildWithAStopRequestCancels) {
  Log log;
  BuildCore live(setup(four_steps()));
  auto s0 = expect_start(live, 0);
  log.add(s0.started);
  log.add(live.stop("alice", "r")->requested);
  BuildCore rebuilt(setup(four_steps()));
  for (const auto& e : log.events) rebuilt.evolve(e);
  EXPECT_TRUE(rebuilt.stopped());
  EXPECT_EQ(rebuilt.result(), CANCELLED);
  EXPECT_EQ(rebuilt.step_done(0, rc(1))->finished.result(), CANCELLED);
  expect_start(rebuilt, 3);
}

TEST(BuildCore, EventsOfAnotherBuildAreIgnored) {
  BuildCore core(setup(four_steps()));
  events::Envelope e;
  auto* finished = e.mutable_step_finished();
  finished->set_build_number(8);
  finished->set_step_index(0);
  finished->set_result(FAILURE);
  core.evolve(e);
  EXPECT_EQ(core.result(), SUCCESS);
  expect_start(core, 0);
}

TEST(BuildCore, SetPropertyStepAppliesItsProperty) {
  BuildCore core(setup(
      {step("set_property", "setp", {{"property", "\"version\""}, {"value", "\"%(branch)s-1\""}}),
       step("shell", "use", {{"command", "[\"echo\", \"%(version)s\"]"}})}));
  auto s0 = expect_start(core, 0);
  EXPECT_EQ(s0.plan.kind, StepPlan::Kind::set_properties);
  auto d0 = core.step_done(0, MasterActionResult{});
  ASSERT_TRUE(d0->properties.has_value());
  EXPECT_EQ(core.properties().text("version"), "main-1");
  auto s1 = expect_start(core, 1);
  EXPECT_EQ(s1.plan.remote->shell().argv(1), "main-1");
}

TEST(BuildCore, OutputForAnotherStepIsIgnored) {
  BuildCore core(setup({step("compile", "c")}));
  expect_start(core, 0);
  core.step_output(5, out("w.c:1: warning: x\n"));
  EXPECT_EQ(core.step_done(0, rc(0))->finished.result(), SUCCESS);
  EXPECT_FALSE(core.step_done(0, rc(0)).has_value());
}

}  // namespace
}  // namespace eventbot::builds
