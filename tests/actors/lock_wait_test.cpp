// Lock waits between build actors and the distributor, on the test coordinator over a
// real store: a reconfig keeps the waiters, a stop ends a build waiting for its builder
// locks, the distributor answers every wait before its deadline, a build asks again when
// the answer does not come, and a refused grant never runs a build unlocked.
#include "actors/master/lock_wait.hpp"

#include <gtest/gtest.h>

#include "actors/builds/build_core.hpp"
#include "tests/actors/build_actors_support.hpp"

namespace eventbot::actor_test {
namespace {

const std::string kSolo = "  - {name: solo, type: master}\n";

class LockWaits : public BuildActors {
 protected:
  // Builds a#1 and b#1 both want `solo` for the whole build: one holds it (its command
  // went to the slave), the other waits. Returns {holder, waiter}.
  std::pair<std::string, std::string> one_holds_one_waits() {
    config_ = load(config_with(kSolo, builder("a", "solo") + builder("b", "solo")));
    submit({"a", "b"});
    start_distributor(config_);
    EXPECT_EQ(slave_log_->commands.size(), 1u) << "one build holds solo, the other waits";
    if (slave_log_->commands.empty()) return {};
    const std::string holder = slave_log_->commands[0].substr(0, 1);
    return {holder, holder == "a" ? "b" : "a"};
  }

  // A build actor spawned as the distributor does (its BuildStarted first), with
  // `distributor` for its locks.
  caf::actor spawn_build(const config::BuilderConfig& config, std::uint32_t number,
                         caf::actor distributor) {
    Envelope started;
    started.set_stream(streams::build(config.name, number));
    started.mutable_build_started()->set_builder(config.name);
    started.mutable_build_started()->set_number(number);
    started.mutable_build_started()->set_slave("s1");
    append({started});
    BuildStart start;
    start.builder = config.name;
    start.number = number;
    start.slave = "s1";
    auto context = context_;
    context.distributor = std::move(distributor);
    auto build = system().spawn(build_actor, start, config, config_, context);
    stop_at_end_.push_back(build);
    return build;
  }

  ConfigPtr config_;
};

TEST_F(LockWaits, AWaiterIsGrantedAfterAReconfig) {
  auto [holder, waiter] = one_holds_one_waits();
  ASSERT_FALSE(waiter.empty());
  // A reconfig while the waiter waits (a builder added, the lock unchanged).
  auto refused =
      ask(distributor_, reconfig_atom::value,
          load(config_with(kSolo, builder("a", "solo") + builder("b", "solo") + builder("c", ""))));
  ASSERT_FALSE(refused) << "the reconfig was not accepted: " << describe(*refused);
  pump();
  EXPECT_EQ(slave_log_->commands.size(), 1u) << "the holder still holds solo";

  complete(holder + "/0/0");
  ASSERT_EQ(slave_log_->commands.size(), 2u)
      << "the build waiting across the reconfig was never granted solo";
  EXPECT_EQ(slave_log_->commands[1], waiter + "/0/0");
  complete(waiter + "/0/0");
  auto ends = finished(waiter, kFirst);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].build_finished().result(), events::SUCCESS);
}

TEST_F(LockWaits, AStopWhileWaitingForBuilderLocksEndsTheBuildCancelled) {
  auto [holder, waiter] = one_holds_one_waits();
  ASSERT_FALSE(waiter.empty());
  stop_build(waiter, kFirst);

  auto ends = finished(waiter, kFirst);
  ASSERT_EQ(ends.size(), 1u) << "the stop was dropped: the build still waits to run";
  EXPECT_EQ(ends[0].build_finished().result(), events::CANCELLED);
  auto completed = events_where([&](const Envelope& e) {
    return e.has_build_request_completed() && e.build_request_completed().builder() == waiter;
  });
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].build_request_completed().result(), events::CANCELLED);

  // The holder ends: solo is free, and the stopped build must not take it and run.
  complete(holder + "/0/0");
  EXPECT_EQ(slave_log_->commands.size(), 1u) << "the stopped build ran";
  auto events = of_build(waiter, kFirst);
  EXPECT_EQ(count(events, &Envelope::has_step_started), 0u);
  EXPECT_EQ(count(events, &Envelope::has_lock_acquired), 0u);
  EXPECT_EQ(count(events, &Envelope::has_build_finished), 1u);

  // A replay of the build's stream reaches the same end.
  builds::BuildSetup setup;
  setup.builder = config_->builders[waiter == "a" ? 0 : 1];
  setup.build_number = kFirst;
  setup.slave = "s1";
  builds::BuildCore replayed(std::move(setup));
  for (const auto& event : events) replayed.evolve(event);
  EXPECT_TRUE(replayed.finished());
  EXPECT_TRUE(replayed.stopped());
  EXPECT_EQ(replayed.result(), events::CANCELLED);
}

TEST_F(LockWaits, ABusyLockKeepsItsWaiterWaitingPastEveryDeadline) {
  auto [holder, waiter] = one_holds_one_waits();
  ASSERT_FALSE(waiter.empty());
  // Ten deadlines pass while the holder runs: the waiter is renewed, never failed.
  for (int i = 0; i < 20; ++i) {
    advance(kLockRenew);
    pump();
  }
  EXPECT_TRUE(finished(waiter, kFirst).empty()) << "a build waiting for a busy lock was ended";
  EXPECT_EQ(slave_log_->commands.size(), 1u);
  complete(holder + "/0/0");
  ASSERT_EQ(slave_log_->commands.size(), 2u) << "the waiter lost its place";
  EXPECT_EQ(slave_log_->commands[1], waiter + "/0/0");
}

// A request the distributor cannot grant is answered ec::timeout ("still queued, ask
// again") before the requester's deadline, so a requester tells a busy lock from a
// distributor that is gone.
caf::behavior lock_client(caf::event_based_actor* self, caf::actor distributor,
                          std::shared_ptr<std::optional<caf::error>> answer) {
  auto uses = std::make_shared<const std::vector<config::LockUse>>(
      std::vector<config::LockUse>{config::LockUse{"solo", config::LockAccess::exclusive}});
  self->request(distributor, kLockDeadline, lock_atom::value, WaiterId::build("z", 9),
                LockUses(uses), SlaveName("s1"))
      .then([=]() { *answer = caf::error{}; }, [=](caf::error& error) { *answer = error; });
  return {};
}

// The same request with the ids as loose values, as the protocol had them before they
// got types of their own (a number could pass for a step index, a name for a slave's).
caf::behavior loose_lock_client(caf::event_based_actor* self, caf::actor distributor,
                                std::shared_ptr<std::optional<caf::error>> answer) {
  auto uses = std::make_shared<const std::vector<config::LockUse>>(
      std::vector<config::LockUse>{config::LockUse{"solo", config::LockAccess::exclusive}});
  self->request(distributor, kLockDeadline, lock_atom::value, std::string("z"), std::uint32_t{9},
                std::int32_t{-1}, LockUses(uses), std::string("s1"))
      .then([=]() { *answer = caf::error{}; }, [=](caf::error& error) { *answer = error; });
  return {};
}

TEST_F(LockWaits, TheDistributorRenewsAWaitBeforeTheRequestersDeadline) {
  auto [holder, waiter] = one_holds_one_waits();
  ASSERT_FALSE(waiter.empty());
  auto answer = std::make_shared<std::optional<caf::error>>();
  system().spawn(lock_client, distributor_, answer);
  run();
  EXPECT_FALSE(answer->has_value()) << "solo is held: no grant yet";
  advance(kLockRenew);
  EXPECT_TRUE(answer->has_value()) << "no answer within kLockRenew";
  if (answer->has_value()) {
    EXPECT_TRUE(is(**answer, ec::timeout)) << system().render(**answer);
  }
  advance(kLockDeadline);  // a request still open ends here, and its client with it
}

// Ids cross actors with types of their own: a lock request whose ids are loose values
// is not taken (CAF answers it as unexpected), and queues nobody.
TEST_F(LockWaits, ALockRequestWithLooseIdsIsNotTaken) {
  static_assert(!std::is_convertible_v<std::uint64_t, BuildsetId>);
  static_assert(!std::is_convertible_v<BuildsetId, std::uint64_t>);
  static_assert(!std::is_convertible_v<std::string, SlaveName>);
  auto [holder, waiter] = one_holds_one_waits();
  ASSERT_FALSE(waiter.empty());
  auto loose = std::make_shared<std::optional<caf::error>>();
  system().spawn(loose_lock_client, distributor_, loose);
  run();
  ASSERT_TRUE(loose->has_value()) << "a request with loose ids was left waiting";
  EXPECT_EQ(**loose, caf::sec::unexpected_message) << system().render(**loose);
  auto typed = std::make_shared<std::optional<caf::error>>();
  system().spawn(lock_client, distributor_, typed);
  run();
  EXPECT_FALSE(typed->has_value()) << "the typed request is queued behind the holder";
  advance(kLockDeadline);
}

// A distributor that takes lock requests and answers none until told.
struct Silent {
  int asked = 0;
  std::optional<caf::response_promise> last;
};

caf::behavior silent_distributor(caf::event_based_actor* self, std::shared_ptr<Silent> silent) {
  return {
      [=](lock_atom, const WaiterId&, const LockUses&, const SlaveName&) -> caf::result<void> {
        ++silent->asked;
        silent->last = self->make_response_promise();
        return caf::delegated<void>();
      },
      [=](release_atom, const WaiterId&) {},
      // Told to: grants the latest request.
      [=](get_atom) {
        if (silent->last) silent->last->deliver(caf::unit);
      },
  };
}

TEST_F(LockWaits, ABuildAsksAgainWhenItsLockRequestGoesUnanswered) {
  config_ = load(config_with(kSolo, builder("a", "solo")));
  auto silent = std::make_shared<Silent>();
  auto distributor = system().spawn(silent_distributor, silent);
  stop_at_end_.push_back(distributor);
  spawn_build(config_->builders[0], kFirst, distributor);
  run();
  EXPECT_EQ(silent->asked, 1);
  advance(kLockDeadline);
  EXPECT_EQ(silent->asked, 2) << "the build did not ask again at its deadline";
  advance(kLockDeadline);
  EXPECT_EQ(silent->asked, 3);
  EXPECT_TRUE(finished("a", kFirst).empty()) << "an unanswered wait ended the build";
  EXPECT_TRUE(slave_log_->commands.empty()) << "the build ran without its lock";
  // The answer to the latest request starts the build.
  self()->send(distributor, get_atom::value);
  run();
  EXPECT_EQ(slave_log_->commands, std::vector<std::string>{"a/0/0"});
}

TEST_F(LockWaits, ARefusedBuilderLockEndsTheBuildWithoutRunningIt) {
  // The build's builder wants a lock the distributor's configuration no longer has (a
  // reconfig removed it between the build's start and its request).
  config_ = load(config_with(kSolo + "  - {name: gone, type: master}\n", builder("a", "gone")));
  auto without = load(config_with(kSolo, builder("a", "")));
  distributor_ = system().spawn(distributor_actor, context_, without);
  stop_at_end_.push_back(distributor_);
  auto refused = ask(distributor_, init_atom::value, log_->head().value());
  ASSERT_FALSE(refused) << "the distributor did not accept init: " << describe(*refused);
  fed_ = log_->head().value();
  spawn_build(config_->builders[0], kFirst, distributor_);
  pump();

  EXPECT_TRUE(slave_log_->commands.empty()) << "the build ran without its lock";
  auto ends = finished("a", kFirst);
  ASSERT_EQ(ends.size(), 1u) << "a refused lock left the build without an end";
  EXPECT_EQ(ends[0].build_finished().result(), events::EXCEPTION);
  const auto& text = ends[0].build_finished().text();
  EXPECT_NE(std::find_if(text.begin(), text.end(),
                         [](const std::string& t) {
                           return t.find("no lock named \"gone\"") != std::string::npos;
                         }),
            text.end());
  EXPECT_EQ(count(of_build("a", kFirst), &Envelope::has_step_started), 0u);
}

TEST_F(LockWaits, AReconfigThatDropsAWaitersLockEndsItsBuild) {
  auto [holder, waiter] = one_holds_one_waits();
  ASSERT_FALSE(waiter.empty());
  auto refused = ask(
      distributor_, reconfig_atom::value,
      load(config_with("  - {name: other, type: master}\n", builder("a", "") + builder("b", ""))));
  ASSERT_FALSE(refused) << "the reconfig was not accepted: " << describe(*refused);
  pump();
  auto ends = finished(waiter, kFirst);
  ASSERT_EQ(ends.size(), 1u) << "the waiter of a lock the reconfig removed hangs";
  EXPECT_EQ(ends[0].build_finished().result(), events::EXCEPTION);
  EXPECT_EQ(slave_log_->commands.size(), 1u) << "it ran without its lock";
  // The holder keeps solo and ends normally.
  complete(holder + "/0/0");
  ASSERT_EQ(finished(holder, kFirst).size(), 1u);
  EXPECT_EQ(finished(holder, kFirst)[0].build_finished().result(), events::SUCCESS);
}

}  // namespace
}  // namespace eventbot::actor_test
