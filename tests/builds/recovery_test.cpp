// What a build taken back after a master restart does (recovery.hpp): the core and the
// stream folded from the build's events decide between going on, restarting a step that
// never reached the slave, re-attaching to the running command, and ending RETRY.
#include "actors/builds/recovery.hpp"

#include <gtest/gtest.h>

#include "events/streams.hpp"

namespace eventbot::builds {
namespace {

config::StepConfig step(const std::string& type, const std::string& name,
                        std::map<std::string, std::string> params) {
  return config::StepConfig{type, name, std::move(params)};
}

const config::StepConfig kShell = step("shell", "make", {{"command", "[\"make\"]"}});
const config::StepConfig kUpload =
    step("file_upload", "upload", {{"slavesrc", "\"out.tgz\""}, {"masterdest", "\"out.tgz\""}});
const config::StepConfig kMaster = step("master_shell_command", "m", {{"command", "\"true\""}});

BuildSetup setup(config::StepConfig only) {
  BuildSetup s;
  s.builder.name = "b";
  s.builder.builddir = "b";
  s.builder.steps = {std::move(only)};
  s.build_number = 3;
  s.slave = "slave1";
  s.slave_builder_dir = "/slave/b";
  return s;
}

// The build's stream up to its first step's start, as a restarted master reads it.
std::vector<events::Envelope> stream_to_first_step(const BuildSetup& s) {
  BuildCore live(s);
  std::vector<events::Envelope> events;
  *events.emplace_back().mutable_build_started() = live.started();
  auto action = live.next();
  *events.emplace_back().mutable_step_started() = std::get<StartStep>(action).started;
  return events;
}

events::Envelope command_sent(const std::string& id) {
  events::Envelope e;
  auto* body = e.mutable_step_command_sent();
  body->set_builder("b");
  body->set_build_number(3);
  body->set_step_index(0);
  body->set_command_id(id);
  return e;
}

events::Envelope log_opened(const std::string& name) {
  events::Envelope e;
  auto* body = e.mutable_log_opened();
  body->set_builder("b");
  body->set_build_number(3);
  body->set_step_index(0);
  body->set_name(name);
  return e;
}

struct Folded {
  BuildCore core;
  RecoveredStep stream;
};

Folded fold(const BuildSetup& s, const std::vector<events::Envelope>& events) {
  Folded f{BuildCore(s), {}};
  for (const auto& e : events) {
    f.core.evolve(e);
    f.stream.evolve(e);
  }
  return f;
}

TEST(Recovery, TheStreamGivesTheLastStepsCommandAndLogs) {
  RecoveredStep stream;
  stream.evolve(command_sent("b/3/0"));
  stream.evolve(log_opened("stdio"));
  stream.evolve(log_opened("warnings"));
  EXPECT_EQ(stream.command_id(), "b/3/0");
  EXPECT_EQ(stream.log_streams(), (std::map<std::string, std::string>{
                                      {"stdio", streams::log("b", 3, 0, "stdio")},
                                      {"warnings", streams::log("b", 3, 0, "warnings")}}));
  events::Envelope next;
  next.mutable_step_started()->set_step_index(1);
  stream.evolve(next);
  EXPECT_TRUE(stream.command_id().empty());
  EXPECT_TRUE(stream.log_streams().empty());
}

TEST(Recovery, ASentRemoteCommandIsReattachedAfterItsLastDurableUpdate) {
  auto s = setup(kShell);
  auto events = stream_to_first_step(s);
  events.push_back(command_sent("b/3/0"));
  events.push_back(log_opened("stdio"));
  auto f = fold(s, events);
  auto decision = decide_recovery(f.core, f.stream, true, 42);
  auto* reattach = std::get_if<Reattach>(&decision);
  ASSERT_NE(reattach, nullptr) << decision.index();
  EXPECT_EQ(reattach->step, 0u);
  EXPECT_EQ(reattach->command_id, "b/3/0");
  EXPECT_EQ(reattach->last_seq, 42u);
}

TEST(Recovery, ACommandNeverSentRestartsItsStep) {
  auto s = setup(kShell);
  auto f = fold(s, stream_to_first_step(s));
  auto decision = decide_recovery(f.core, f.stream, true, 0);
  auto* restart = std::get_if<RestartStep>(&decision);
  ASSERT_NE(restart, nullptr) << decision.index();
  EXPECT_EQ(restart->step, 0u);
  EXPECT_EQ(restart->plan.kind, StepPlan::Kind::remote);
  ASSERT_TRUE(restart->plan.remote);
  EXPECT_TRUE(restart->plan.remote->has_shell());
}

TEST(Recovery, WithoutItsSlaveTheRunningStepEndsRetry) {
  auto s = setup(kShell);
  auto f = fold(s, stream_to_first_step(s));
  EXPECT_TRUE(std::holds_alternative<EndRetry>(decide_recovery(f.core, f.stream, false, 0)));
  auto events = stream_to_first_step(s);
  events.push_back(command_sent("b/3/0"));
  auto sent = fold(s, events);
  EXPECT_TRUE(std::holds_alternative<EndRetry>(decide_recovery(sent.core, sent.stream, false, 0)));
}

TEST(Recovery, ATransferOrAMasterCommandCannotBeTakenBack) {
  for (const auto& config : {kUpload, kMaster}) {
    auto s = setup(config);
    auto events = stream_to_first_step(s);
    if (config.type == "file_upload") events.push_back(command_sent("b/3/0"));
    auto f = fold(s, events);
    auto decision = decide_recovery(f.core, f.stream, true, 5);
    ASSERT_TRUE(std::holds_alternative<EndRetry>(decision)) << config.type;
    EXPECT_EQ(std::get<EndRetry>(decision).step, 0u);
  }
}

TEST(Recovery, AStepWithLogsButNoCommandSentIsNotRunAgain) {
  // Output stored with no command sent (the step failed before it ran): nothing to
  // re-attach to, and nothing is run twice.
  auto s = setup(kShell);
  auto events = stream_to_first_step(s);
  events.push_back(log_opened("stdio"));
  auto f = fold(s, events);
  EXPECT_TRUE(std::holds_alternative<EndRetry>(decide_recovery(f.core, f.stream, true, 0)));
}

TEST(Recovery, ABuildBetweenStepsGoesOn) {
  auto s = setup(kShell);
  BuildCore core(s);
  EXPECT_TRUE(
      std::holds_alternative<NoStepRunning>(decide_recovery(core, RecoveredStep{}, true, 0)));
  auto events = stream_to_first_step(s);
  events::Envelope finished;
  auto* body = finished.mutable_step_finished();
  body->set_builder("b");
  body->set_build_number(3);
  body->set_step_index(0);
  body->set_result(events::SUCCESS);
  events.push_back(finished);
  auto f = fold(s, events);
  EXPECT_TRUE(std::holds_alternative<NoStepRunning>(decide_recovery(f.core, f.stream, true, 0)));
}

}  // namespace
}  // namespace eventbot::builds
