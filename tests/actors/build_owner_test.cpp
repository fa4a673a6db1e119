// One owner per build: a distributor restarted while a build runs adopts the live build
// actor instead of spawning a second one, and a second actor writing the same build is
// refused by the expected version of the build's stream and stops, writing nothing.
#include <gtest/gtest.h>

#include "tests/actors/build_actors_support.hpp"

namespace eventbot::actor_test {
namespace {

const std::string kSolo = "  - {name: solo, type: master}\n";

class BuildOwner : public BuildActors {};

TEST_F(BuildOwner, ARestartedDistributorAdoptsTheRunningBuild) {
  auto config = load(config_with(kSolo, builder("a", "solo")));
  submit({"a"});
  auto first = start_distributor(config);
  ASSERT_EQ(slave_log_->commands, std::vector<std::string>{"a/0/0"});

  // The distributor fails (its build actors are not linked to it and run on); the
  // supervisor starts another, which folds the log and takes back this master's builds.
  caf::anon_send_exit(first, caf::exit_reason::kill);
  run();
  start_distributor(config);
  EXPECT_EQ(slave_log_->expects, 0) << "a second actor took the running build back";
  EXPECT_EQ(builds_running(), 1u) << "the new distributor does not know the running build";
  EXPECT_EQ(context_.owners->size(), 1u);

  complete("a/0/0");
  auto events = of_build("a", kFirst);
  EXPECT_EQ(count(events, &Envelope::has_build_started), 1u);
  EXPECT_EQ(count(events, &Envelope::has_step_started), 1u);
  EXPECT_EQ(count(events, &Envelope::has_step_finished), 1u);
  EXPECT_EQ(count(events, &Envelope::has_build_finished), 1u);
  EXPECT_EQ(count(events, &Envelope::has_lock_acquired), 1u);
  // It gave solo back through the distributor that adopted it.
  EXPECT_EQ(count(events, &Envelope::has_lock_released), 1u);
  EXPECT_EQ(builds_running(), 0u);
  EXPECT_EQ(context_.owners->size(), 0u);
}

TEST_F(BuildOwner, ASecondWriterOfABuildIsRefusedAndStops) {
  auto config = load(config_with(kSolo, builder("a", "")));
  submit({"a"});
  start_distributor(config);
  ASSERT_EQ(slave_log_->commands, std::vector<std::string>{"a/0/0"});

  // A second actor for the running build, as a recovery would spawn one.
  BuildStart start;
  start.builder = "a";
  start.number = kFirst;
  start.slave = "s1";
  start.request_ids = {1};
  start.recovering = true;
  start.stream_version = 0;
  auto context = context_;
  context.distributor = distributor_;
  auto second = system().spawn(build_actor, start, config->builders[0], config, context);
  stop_at_end_.push_back(second);
  pump();
  ASSERT_EQ(slave_log_->expects, 1) << "the second actor waits to resume the command";

  // The owner finishes the build; then the slave resumes the command to the second.
  complete("a/0/0");
  ASSERT_EQ(finished("a", kFirst).size(), 1u);
  auto frame = std::make_shared<wire::Frame>();
  auto* update = frame->mutable_command_update();
  update->set_command_id("a/0/0");
  update->set_seq(1);
  auto* output = update->add_output();
  output->set_kind(wire::STDOUT);
  output->set_data("written twice\n");
  self()->send(second, update_atom::value, FramePtr(frame));
  pump();

  auto stdio = log_->stream_version(streams::log("a", kFirst, 0, "stdio"));
  ASSERT_TRUE(stdio);
  EXPECT_EQ(stdio->value(), 0u) << "the second writer's output was appended";
  auto events = of_build("a", kFirst);
  EXPECT_EQ(count(events, &Envelope::has_log_opened), 0u);
  EXPECT_EQ(count(events, &Envelope::has_build_finished), 1u);
  EXPECT_EQ(count(events, &Envelope::has_step_finished), 1u);
}

}  // namespace
}  // namespace eventbot::actor_test
