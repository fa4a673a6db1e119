// What the scheduler actor and the supervisor answer, on CAF's test coordinator: nothing
// when a command or a configuration is taken, an `eventbot::ec` error saying why when it
// is not, so a caller tells "refused" from "unknown" from "no answer" by code. The log is
// a real RocksDB store in a temporary directory; the test hands the log's events back to
// the actors as the master's subscription would.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/config/config_loader.hpp"
#include "actors/master/supervisor.hpp"
#include "actors/messages/errors.hpp"
#include "actors/schedulers/make_scheduler.hpp"
#include "actors/slaves/slave_actor.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/support/deterministic_actors.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot {
namespace {

using namespace eventbot::messages;

constexpr auto kConfig = R"(title: replies
master:
  id: test-master
  slave_port: 0
slaves:
  - {name: s1, password: pw}
schedulers:
  - type: single_branch
    name: stable
    branch: main
    builders: [runtests]
  - {type: force, name: force, builders: [runtests]}
builders:
  - name: runtests
    slaves: [s1]
    steps:
      - {type: shell, name: test, command: "true"}
)";

// What came back for one request: nothing (taken), an error, or no answer yet.
struct Reply {
  bool answered = false;
  caf::error error;
  bool taken() const { return answered && !error; }
};

// Sends one request from an actor of its own and records the reply in `reply`.
template <class... Ts>
caf::behavior requester(caf::event_based_actor* self, caf::actor target,
                        std::shared_ptr<Reply> reply, Ts... xs) {
  self->request(target, std::chrono::seconds(30), xs...)
      .then([=]() { reply->answered = true; },
            [=](caf::error& error) {
              reply->answered = true;
              reply->error = std::move(error);
            });
  return {};
}

class CommandReplies : public testing::DeterministicActors {
 protected:
  CommandReplies() : dir_("eventbot-actor-replies") {
    store::RocksOptions options;
    options.dir = dir_.path() / "events";
    auto opened = store::RocksEventLog::open(options);
    EXPECT_TRUE(opened) << opened.error().message;
    log_ = std::move(*opened);
    auto loaded = config::load_config_string(kConfig, "master.yaml");
    EXPECT_TRUE(loaded) << (loaded ? "" : loaded.error().front().message);
    config_ = *loaded;
    context_.log = log_.get();
    context_.clock = &clock_;
    context_.ids = &ids_;
    context_.master_id = "test-master";
    context_.master_dir = dir_.path();
  }

  ~CommandReplies() override {
    for (auto& actor : spawned_) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    run();
  }

  const config::SchedulerConfig& scheduler_config(const std::string& name) const {
    for (const auto& scheduler : config_.schedulers) {
      if (scheduler.name == name) return scheduler;
    }
    throw std::runtime_error("no scheduler " + name);
  }

  // A scheduler actor for the configured scheduler `name`, on an empty log.
  caf::actor spawn_scheduler(const std::string& name) {
    auto core = schedulers::make_scheduler(scheduler_config(name));
    EXPECT_TRUE(core);
    auto actor = system().spawn(master::scheduler_actor,
                                std::shared_ptr<schedulers::SchedulerCore>(std::move(*core)),
                                context_, std::uint64_t{0}, std::uint64_t{0}, std::uint64_t{0});
    spawned_.push_back(actor);
    run();
    return actor;
  }

  // Asks `target` with `xs...`, delivers what that causes, and returns the reply.
  template <class... Ts>
  std::shared_ptr<Reply> ask(caf::actor target, Ts... xs) {
    auto reply = std::make_shared<Reply>();
    system().spawn(requester<Ts...>, target, reply, xs...);
    run();
    return reply;
  }

  // Hands the whole log to `actor`, as the subscription does (it skips what it folded).
  void hand_back(const caf::actor& actor) {
    auto batch = std::make_shared<std::vector<events::Envelope>>();
    auto scanned = log_->scan(Sequence(1), Sequence(0), [&](const events::Envelope& event) {
      batch->push_back(event);
      return true;
    });
    ASSERT_TRUE(scanned) << scanned.error().message;
    caf::anon_send(actor, events_atom::value, EventBatch(std::move(batch)));
    run();
  }

  std::size_t buildsets() {
    std::size_t n = 0;
    auto scanned = log_->scan(Sequence(1), Sequence(0), [&](const events::Envelope& event) {
      n += event.has_buildset_submitted();
      return true;
    });
    EXPECT_TRUE(scanned);
    return n;
  }

  static CommandPtr force(std::vector<std::string> builders = {}) {
    schedulers::Force command;
    command.who = "alice";
    command.builders = std::move(builders);
    return std::make_shared<const schedulers::Command>(std::move(command));
  }

  testing::TempDir dir_;
  std::unique_ptr<store::RocksEventLog> log_;
  config::MasterConfig config_;
  schedulers::FakeClock clock_{1'700'000'000'000'000};
  master::IdAllocator ids_;
  master::SchedulerContext context_;
  std::vector<caf::actor> spawned_;
};

TEST_F(CommandReplies, TheSchedulerAnswersATakenCommandWithNothing) {
  auto scheduler = spawn_scheduler("force");
  hand_back(scheduler);  // its start mark, if it recorded one
  auto reply = ask(scheduler, command_atom::value, force());
  ASSERT_TRUE(reply->answered);
  EXPECT_TRUE(reply->taken()) << system().render(reply->error);
  EXPECT_EQ(buildsets(), 1u);
}

TEST_F(CommandReplies, TheSchedulerRefusesAnUnknownBuilderAsUnknownTarget) {
  auto scheduler = spawn_scheduler("force");
  hand_back(scheduler);
  auto reply = ask(scheduler, command_atom::value, force({"nosuch"}));
  ASSERT_TRUE(reply->answered);
  EXPECT_TRUE(is(reply->error, ec::unknown_target)) << system().render(reply->error);
  EXPECT_NE(describe(reply->error).find("nosuch"), std::string::npos) << describe(reply->error);
  EXPECT_EQ(buildsets(), 0u) << "a refused force appends nothing";
}

TEST_F(CommandReplies, ASchedulerThatTakesNoForceRefusesIt) {
  auto scheduler = spawn_scheduler("stable");
  hand_back(scheduler);
  auto reply = ask(scheduler, command_atom::value, force());
  ASSERT_TRUE(reply->answered);
  EXPECT_TRUE(is(reply->error, ec::refused)) << system().render(reply->error);
  EXPECT_EQ(buildsets(), 0u);
}

// A command queued behind the actor's own append is decided (and answered) only once the
// log has handed that append back: before, its answer would be a guess.
TEST_F(CommandReplies, ACommandBehindTheActorsOwnAppendIsAnsweredOnceTheLogHandsItBack) {
  auto scheduler = spawn_scheduler("force");
  hand_back(scheduler);
  auto first = ask(scheduler, command_atom::value, force());
  ASSERT_TRUE(first->taken()) << system().render(first->error);
  auto second = ask(scheduler, command_atom::value, force({"nosuch"}));
  EXPECT_FALSE(second->answered) << "decided before the first buildset was folded";
  hand_back(scheduler);
  ASSERT_TRUE(second->answered);
  EXPECT_TRUE(is(second->error, ec::unknown_target)) << system().render(second->error);
}

TEST_F(CommandReplies, TheSupervisorNamesAnUnknownSchedulerAsUnknownTarget) {
  auto supervisor = system().spawn(master::supervisor_actor, context_,
                                   std::make_shared<const config::MasterConfig>(config_));
  spawned_.push_back(supervisor);
  ASSERT_TRUE(ask(supervisor, init_atom::value, std::uint64_t{0})->taken());
  auto reply = ask(supervisor, command_atom::value, std::string("nosuch"), force());
  ASSERT_TRUE(reply->answered);
  EXPECT_TRUE(is(reply->error, ec::unknown_target)) << system().render(reply->error);
  EXPECT_EQ(describe(reply->error), "no scheduler named 'nosuch'");
}

// A reconfig whose scheduler cannot be built is refused as invalid, with the reason, and
// changes nothing: the running scheduler keeps its actor. A valid one is taken.
TEST_F(CommandReplies, TheSupervisorAnswersAReconfigWithNothingOrWhyNot) {
  auto supervisor = system().spawn(master::supervisor_actor, context_,
                                   std::make_shared<const config::MasterConfig>(config_));
  spawned_.push_back(supervisor);
  auto init = ask(supervisor, init_atom::value, std::uint64_t{0});
  ASSERT_TRUE(init->taken()) << system().render(init->error);
  hand_back(supervisor);  // the schedulers' start marks
  auto stable_actor = [&] {
    auto found = std::make_shared<std::optional<caf::actor>>();
    // The inputs go in as spawn arguments: CAF 0.17 dereferences a null argument tuple
    // when a function actor is spawned without any.
    system().spawn(
        [](caf::event_based_actor* self, caf::actor supervisor,
           std::shared_ptr<std::optional<caf::actor>> found) -> caf::behavior {
          self->request(supervisor, std::chrono::seconds(1), get_atom::value, std::string("stable"))
              .then([=](const caf::actor& actor) { *found = actor; });
          return {};
        },
        supervisor, found);
    run();
    return *found;
  };
  auto before = stable_actor();
  ASSERT_TRUE(before && *before);

  auto broken = config_;
  for (auto& scheduler : broken.schedulers) {
    if (scheduler.name == "stable") scheduler.change_filter.branch.regex = "(";
  }
  auto refused = ask(supervisor, reconfig_atom::value,
                     ConfigPtr(std::make_shared<const config::MasterConfig>(broken)));
  ASSERT_TRUE(refused->answered);
  EXPECT_TRUE(is(refused->error, ec::invalid_argument)) << system().render(refused->error);
  EXPECT_NE(describe(refused->error).find("scheduler 'stable'"), std::string::npos)
      << describe(refused->error);
  EXPECT_EQ(stable_actor(), before) << "a refused reconfig restarted the running scheduler";

  auto changed = config_;
  for (auto& scheduler : changed.schedulers) {
    if (scheduler.name == "stable") scheduler.branch = "release";
  }
  auto taken = ask(supervisor, reconfig_atom::value,
                   ConfigPtr(std::make_shared<const config::MasterConfig>(changed)));
  ASSERT_TRUE(taken->answered);
  EXPECT_TRUE(taken->taken()) << system().render(taken->error);
  auto after = stable_actor();
  ASSERT_TRUE(after && *after);
  EXPECT_NE(*after, *before) << "the changed scheduler runs on its old configuration";
}

// A build hands its command to a slave that is not attached: the slave's actor refuses
// it by code, which the build reads as "ask again until the grace is over".
TEST_F(CommandReplies, ASlaveThatIsNotAttachedRefusesACommand) {
  config::SlaveConfig slave;
  slave.name = "s1";
  auto actor = system().spawn(slaves::slave_actor, slave,
                              slaves::SlaveContext{log_.get(), "test-master", {}, {}});
  spawned_.push_back(actor);
  run();
  auto start = std::make_shared<wire::Frame>();
  start->mutable_start_command()->set_command_id("c1");
  auto reply = ask(actor, run_atom::value, FramePtr(start), caf::actor());
  ASSERT_TRUE(reply->answered);
  EXPECT_TRUE(is(reply->error, ec::refused)) << system().render(reply->error);
  EXPECT_EQ(describe(reply->error), "slave 's1' is not attached");
}

}  // namespace
}  // namespace eventbot
