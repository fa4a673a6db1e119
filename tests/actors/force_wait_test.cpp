// A user's forced build waits for its scheduler without holding a thread: the command
// returns at once (the port's hand-over goes on to the next request), and the answer
// reaches the connection when the supervisor answers, when the deadline passes, or when
// the supervisor goes away, all on the test coordinator's clock.
#include <gtest/gtest.h>

#include "actors/master/scheduler_actor.hpp"
#include "actors/master/user_commands.hpp"
#include "actors/messages/actors.hpp"
#include "actors/messages/defaults.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/deterministic_actors.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot {
namespace {

using namespace master;
using release_atom = messages::release_atom;

// A supervisor that keeps each command's promise until told to accept them all.
caf::behavior held_supervisor(caf::event_based_actor* self,
                              std::shared_ptr<std::vector<std::string>> asked) {
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  return {
      // As the supervisor is asked by a forced build: the scheduler's answer names the
      // buildset and requests it submitted.
      [=](command_atom, const std::string& scheduler, const CommandPtr&, submitted_atom) {
        asked->push_back(scheduler);
        held->push_back(self->make_response_promise());
        return caf::delegated<std::uint64_t, std::vector<std::string>,
                              std::vector<std::uint64_t>>();
      },
      [=](release_atom) {
        for (auto& promise : *held) {
          promise.deliver(std::uint64_t{7}, std::vector<std::string>{"b"},
                          std::vector<std::uint64_t>{9});
        }
        held->clear();
      },
  };
}

class ForceWait : public testing::DeterministicActors {
 protected:
  ForceWait() {
    log_ = store::test::open_store(dir_.path() / "events");
    commands_ = std::make_unique<UserCommands>(*log_, "m1", system(), hand_over_);
  }

  void use_supervisor(caf::actor supervisor) {
    auto config = std::make_shared<config::MasterConfig>();
    config->master_id = "m1";
    config->web.authz["force_build"] = {config::AccessRule::Who::anyone, {}};
    commands_->configure(config, std::move(supervisor));
  }

  // Runs a forced build through `scheduler`; the answer lands in answers_.
  std::optional<wire::UserCommandResult> force(const std::string& scheduler) {
    wire::UserCommand command;
    command.mutable_force_build()->set_scheduler(scheduler);
    command.mutable_force_build()->set_reason("test");
    return commands_->run("", command, [this](wire::UserCommandResult result) {
      answers_.push_back(std::move(result));
    });
  }

  eventbot::testing::TempDir dir_{"force-wait"};
  std::unique_ptr<store::RocksEventLog> log_;
  port::HandOver hand_over_;
  std::unique_ptr<UserCommands> commands_;
  std::vector<wire::UserCommandResult> answers_;
};

TEST_F(ForceWait, TheCommandReturnsAtOnceAndIsAnsweredWhenTheSchedulerAnswers) {
  auto asked = std::make_shared<std::vector<std::string>>();
  auto supervisor = system().spawn(held_supervisor, asked);
  use_supervisor(supervisor);
  EXPECT_FALSE(force("nightly")) << "a force is answered later, not by run()";
  run();
  ASSERT_EQ(*asked, std::vector<std::string>{"nightly"}) << "the supervisor was not asked";
  EXPECT_TRUE(answers_.empty()) << "answered before the scheduler decided";
  // Another command is taken meanwhile: nothing waits for the first one.
  EXPECT_FALSE(force("other"));
  run();
  EXPECT_EQ(asked->size(), 2u);
  caf::anon_send(supervisor, release_atom::value);
  run();
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_TRUE(answers_[0].ok()) << answers_[0].message();
  EXPECT_EQ(answers_[0].message(), "build forced through scheduler nightly");
  EXPECT_EQ(answers_[1].message(), "build forced through scheduler other");
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
}

TEST_F(ForceWait, ASchedulerThatNeverAnswersGivesATimeoutAtTheDeadline) {
  auto asked = std::make_shared<std::vector<std::string>>();
  auto supervisor = system().spawn(held_supervisor, asked);
  use_supervisor(supervisor);
  EXPECT_FALSE(force("nightly"));
  run();
  advance(defaults::kCommandTimeout - std::chrono::seconds(1));
  EXPECT_TRUE(answers_.empty()) << "answered before the deadline";
  advance(std::chrono::seconds(1));
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_FALSE(answers_[0].ok());
  EXPECT_NE(answers_[0].message().find("request_timeout"), std::string::npos)
      << answers_[0].message();
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
}

TEST_F(ForceWait, ASupervisorThatGoesAwayAnswersTheWaitingUser) {
  auto asked = std::make_shared<std::vector<std::string>>();
  auto supervisor = system().spawn(held_supervisor, asked);
  use_supervisor(supervisor);
  EXPECT_FALSE(force("nightly"));
  run();
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  run();
  ASSERT_EQ(answers_.size(), 1u) << "the user would wait for the deadline on a stopping master";
  EXPECT_FALSE(answers_[0].ok());
  EXPECT_EQ(answers_[0].message(), "the master is stopping");
}

}  // namespace
}  // namespace eventbot
