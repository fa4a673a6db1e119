// A web user's commands (stop a build, cancel a request, shut a slave down), run against
// a real store: who may do what (web.authz), and that each becomes exactly the events it
// should, or none with a reason when the build, request or slave is not in that state.
#include "actors/master/user_commands.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "events/streams.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::master {
namespace {

config::MasterConfig make_config() {
  config::MasterConfig config;
  config.master_id = "m1";
  config.web.users = {{"admin", "secret", "", {"admin"}, "", {}, {}},
                      {"dev", "devpw", "", {}, "", {}, {}}};
  config.web.authz["stop_build"] = {config::AccessRule::Who::roles, {"admin"}};
  config.web.authz["cancel_pending_build"] = {config::AccessRule::Who::authenticated, {}};
  config.web.authz["graceful_shutdown"] = {config::AccessRule::Who::nobody, {}};
  config.web.authz["force_build"] = {config::AccessRule::Who::anyone, {}};
  config::SlaveConfig slave;
  slave.name = "s1";
  config.slaves.push_back(slave);
  return config;
}

TEST(Authz, RulesAsTheConfigSays) {
  auto config = make_config();
  EXPECT_TRUE(authorised(config.web, "admin", "stop_build"));
  EXPECT_FALSE(authorised(config.web, "dev", "stop_build"));  // lacks the role
  EXPECT_TRUE(authorised(config.web, "dev", "cancel_pending_build"));
  EXPECT_FALSE(authorised(config.web, "stranger", "cancel_pending_build"));  // not a user
  EXPECT_FALSE(authorised(config.web, "admin", "graceful_shutdown"));        // nobody
  EXPECT_TRUE(authorised(config.web, "stranger", "force_build"));            // anyone
  EXPECT_FALSE(authorised(config.web, "admin", "stop_all_builds"));          // not listed
}

class UserCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log = store::test::open_store(dir.path() / "events");
    ASSERT_TRUE(log);
    commands = std::make_unique<UserCommands>(*log, "m1", system, hand_over);
    commands->configure(std::make_shared<const config::MasterConfig>(make_config()), caf::actor());
  }

  void append(std::string stream, events::Envelope event) {
    event.set_stream(std::move(stream));
    store::AppendRequest request;
    request.events.push_back(std::move(event));
    ASSERT_TRUE(log->append(std::move(request)));
  }

  std::vector<events::Envelope> stream(const std::string& name) {
    auto version = log->stream_version(name);
    if (!version || version->value() == 0) return {};
    auto events = log->read_stream(name, StreamVersion(1), version->value());
    return events ? *events : std::vector<events::Envelope>{};
  }

  wire::UserCommandResult cancel(const std::string& user, std::uint64_t id) {
    wire::UserCommand command;
    command.mutable_cancel_request()->set_request_id(id);
    command.mutable_cancel_request()->set_reason("not needed");
    return commands->run(user, command);
  }

  wire::UserCommandResult stop(const std::string& user, const std::string& builder,
                               std::uint32_t number) {
    wire::UserCommand command;
    command.mutable_stop_build()->set_builder(builder);
    command.mutable_stop_build()->set_number(number);
    return commands->run(user, command);
  }

  eventbot::testing::TempDir dir{"user-commands"};
  caf::actor_system_config actor_config;
  caf::actor_system system{actor_config};
  port::HandOver hand_over;
  std::unique_ptr<store::RocksEventLog> log;
  std::unique_ptr<UserCommands> commands;
};

TEST_F(UserCommandsTest, CancelsAPendingRequestOnce) {
  events::Envelope submitted;
  submitted.mutable_build_request_submitted()->set_request_id(7);
  append(streams::build_request(7), submitted);

  auto first = cancel("dev", 7);
  EXPECT_TRUE(first.ok()) << first.message();
  auto events = stream(streams::build_request(7));
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(events[1].has_build_request_cancelled());
  EXPECT_EQ(events[1].build_request_cancelled().who(), "dev");
  EXPECT_EQ(events[1].build_request_cancelled().reason(), "not needed");

  auto again = cancel("dev", 7);  // no longer pending
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.message().find("not pending"), std::string::npos) << again.message();
  EXPECT_EQ(stream(streams::build_request(7)).size(), 2u);
}

TEST_F(UserCommandsTest, ClaimedOrUnknownRequestsAreNotCancelled) {
  events::Envelope submitted;
  submitted.mutable_build_request_submitted()->set_request_id(8);
  append(streams::build_request(8), submitted);
  events::Envelope claimed;
  claimed.mutable_build_request_claimed()->set_request_id(8);
  append(streams::build_request(8), claimed);

  EXPECT_FALSE(cancel("dev", 8).ok());
  EXPECT_EQ(stream(streams::build_request(8)).size(), 2u);
  auto unknown = cancel("dev", 99);
  EXPECT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.message(), "no request 99");
}

TEST_F(UserCommandsTest, UnauthorisedUsersChangeNothing) {
  events::Envelope submitted;
  submitted.mutable_build_request_submitted()->set_request_id(9);
  append(streams::build_request(9), submitted);
  auto refused = cancel("stranger", 9);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("may not cancel_pending_build"), std::string::npos);
  EXPECT_EQ(stream(streams::build_request(9)).size(), 1u);

  wire::UserCommand shutdown;
  shutdown.mutable_shutdown_slave()->set_slave("s1");
  EXPECT_FALSE(commands->run("admin", shutdown).ok());  // graceful_shutdown: nobody
  EXPECT_TRUE(stream(streams::slave("s1")).empty());
}

// The validation patterns were parsed but never checked: `--branch 'x; rm -rf ~'` reached
// %(branch)s in a shell command. A forced build's values are checked before the
// scheduler hears of it; the refusal names the field and the pattern.
TEST_F(UserCommandsTest, ForcedValuesMustMatchTheValidationPatterns) {
  const auto head = log->head();
  wire::UserCommand command;
  auto* force = command.mutable_force_build();
  force->set_scheduler("force");
  force->set_branch("x; rm -rf ~");
  auto refused = commands->run("dev", command);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.message(),
            R"(refused: branch 'x; rm -rf ~' does not match validation.branch ^[\w.+/~-]*$)");
  force->set_branch("main");
  (*force->mutable_properties())["cmd"] = "\"$(id)\"";
  refused = commands->run("dev", command);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("property 'cmd' value '$(id)' does not match "
                                   "validation.property_value"),
            std::string::npos)
      << refused.message();
  EXPECT_EQ(log->head(), head);  // nothing recorded
}

TEST_F(UserCommandsTest, AStopReasonThatIsTooLongChangesNothing) {
  events::Envelope started;
  started.mutable_build_started()->set_builder("b");
  append(streams::build("b", 4), started);
  wire::UserCommand command;
  command.mutable_stop_build()->set_builder("b");
  command.mutable_stop_build()->set_number(4);
  command.mutable_stop_build()->set_reason(std::string(5000, 'r'));
  auto refused = commands->run("admin", command);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.message(), "reason is 5000 bytes long; at most 4096 are accepted");
  EXPECT_EQ(stream(streams::build("b", 4)).size(), 1u);
}

// A user who logged in without a name (the port lets one in while some action is open
// to anyone) may do exactly those actions, recorded as "anonymous".
TEST_F(UserCommandsTest, AnonymousUsersMayDoWhatIsOpenToAnyoneOnly) {
  events::Envelope submitted;
  submitted.mutable_build_request_submitted()->set_request_id(10);
  append(streams::build_request(10), submitted);
  auto refused = cancel("", 10);  // cancel_pending_build: authenticated
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.message(),
            "anonymous users may not cancel_pending_build (web.authz): give --auth-file, "
            "EVENTBOT_AUTH or --auth USER");
  EXPECT_EQ(stream(streams::build_request(10)).size(), 1u);

  auto open = make_config();
  open.web.authz["cancel_pending_build"] = {config::AccessRule::Who::anyone, {}};
  commands->configure(std::make_shared<const config::MasterConfig>(open), caf::actor());
  auto cancelled = cancel("", 10);
  EXPECT_TRUE(cancelled.ok()) << cancelled.message();
  auto events = stream(streams::build_request(10));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].build_request_cancelled().who(), "anonymous");
}

TEST_F(UserCommandsTest, StopsOnlyARunningBuild) {
  events::Envelope started;
  started.mutable_build_started()->set_builder("b");
  append(streams::build("b", 3), started);

  EXPECT_FALSE(stop("dev", "b", 3).ok());  // dev lacks the admin role
  auto stopped = stop("admin", "b", 3);
  EXPECT_TRUE(stopped.ok()) << stopped.message();
  auto events = stream(streams::build("b", 3));
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(events[1].has_build_stop_requested());
  EXPECT_EQ(events[1].build_stop_requested().who(), "admin");

  events::Envelope finished;
  finished.mutable_build_finished()->set_builder("b");
  append(streams::build("b", 3), finished);
  auto late = stop("admin", "b", 3);
  EXPECT_FALSE(late.ok());
  EXPECT_NE(late.message().find("has finished"), std::string::npos);
  EXPECT_FALSE(stop("admin", "b", 4).ok());  // no such build
  EXPECT_EQ(stream(streams::build("b", 3)).size(), 3u);
}

}  // namespace
}  // namespace eventbot::master
