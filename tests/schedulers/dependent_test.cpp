// Dependent: fires on its upstream's successful buildsets with the same source stamps,
// once, even across restarts.
#include <gtest/gtest.h>

#include "tests/schedulers/harness.hpp"

namespace eventbot::schedulers::testing {
namespace {

using config::SchedulerType;

struct DependentWorld : World {
  DependentWorld() {
    auto up = scheduler_config(SchedulerType::single_branch, "tests", {"linux", "bsd"});
    add(up);
    auto other = scheduler_config(SchedulerType::single_branch, "other", {"x"});
    other.branch = "other";
    add(other);
    add(package_config());
  }
  static config::SchedulerConfig package_config() {
    auto down = scheduler_config(SchedulerType::dependent, "package", {"tarball", "deb"});
    down.upstream = "tests";
    down.properties = {{"kind", "\"release\""}};
    return down;
  }
};

TEST(Dependent, FiresOnceOnUpstreamSuccessWithTheSameSourceStamps) {
  DependentWorld w;
  w.add_change(change("", {"a"}, "r1"));
  ASSERT_EQ(w.buildsets("tests").size(), 1u);
  auto upstream = w.buildsets("tests")[0];
  EXPECT_TRUE(w.buildsets("package").empty());
  w.complete(upstream.buildset_id(), events::SUCCESS);
  auto sets = w.buildsets("package");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].parent_buildset_id(), upstream.buildset_id());
  ASSERT_EQ(sets[0].sourcestamps_size(), 1);
  EXPECT_EQ(sets[0].sourcestamps(0).SerializeAsString(),
            upstream.sourcestamps(0).SerializeAsString());
  EXPECT_EQ(sets[0].builder_names_size(), 2);
  auto props = property_map(sets[0].properties());
  EXPECT_EQ(props["kind"], (std::pair<std::string, std::string>{"\"release\"", "Scheduler"}));
  EXPECT_EQ(props["scheduler"].first, "\"package\"");
  // Deciding again, or after a restart, submits nothing more.
  EXPECT_TRUE(
      ok(w.core("package").decide(UpstreamCompleted{upstream.buildset_id(), events::SUCCESS}))
          .empty());
  w.restart();
  EXPECT_TRUE(
      ok(w.core("package").decide(UpstreamCompleted{upstream.buildset_id(), events::SUCCESS}))
          .empty());
  EXPECT_EQ(w.buildsets("package").size(), 1u);
}

TEST(Dependent, WarningsCountAsSuccessFailuresDoNot) {
  DependentWorld w;
  w.add_change(change("", {"a"}, "r1"));
  w.add_change(change("", {"a"}, "r2"));
  w.add_change(change("", {"a"}, "r3"));
  auto ups = w.buildsets("tests");
  ASSERT_EQ(ups.size(), 3u);
  w.complete(ups[0].buildset_id(), events::FAILURE);
  w.complete(ups[1].buildset_id(), events::WARNINGS);
  w.complete(ups[2].buildset_id(), events::EXCEPTION);
  auto sets = w.buildsets("package");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].parent_buildset_id(), ups[1].buildset_id());
  EXPECT_EQ(sets[0].sourcestamps(0).revision(), "r2");
}

TEST(Dependent, IgnoresOtherSchedulersAndItsOwnBuildsets) {
  DependentWorld w;
  w.add_change(change("other"));
  auto others = w.buildsets("other");
  ASSERT_EQ(others.size(), 1u);
  w.complete(others[0].buildset_id(), events::SUCCESS);
  EXPECT_TRUE(w.buildsets("package").empty());
  EXPECT_TRUE(ok(w.core("package").decide(ConsiderChange{1, change(""), 0})).empty());
}

TEST(Dependent, UpstreamBuildsetsFromBeforeItsStartNeverFireIt) {
  World w;
  w.add(scheduler_config(SchedulerType::single_branch, "tests"));
  w.add_change(change(""));
  auto up = w.buildsets("tests").at(0).buildset_id();
  w.add(DependentWorld::package_config());  // added by a reconfig while `up` runs
  w.complete(up, events::SUCCESS);
  EXPECT_TRUE(w.buildsets("package").empty());
  w.add_change(change(""));
  w.complete(w.buildsets("tests").at(1).buildset_id(), events::SUCCESS);
  EXPECT_EQ(w.buildsets("package").size(), 1u);
}

TEST(Dependent, StartSubmitsForASuccessHandledByNoOne) {
  DependentWorld w;
  w.add_change(change("", {"a"}, "r1"));
  auto up = w.buildsets("tests").at(0).buildset_id();
  // The upstream completes while the master is down (another master records it).
  w.complete(up, events::SUCCESS, /*tell=*/false);
  EXPECT_TRUE(w.buildsets("package").empty());
  w.restart();
  ASSERT_EQ(w.buildsets("package").size(), 1u);
  EXPECT_EQ(w.buildsets("package")[0].parent_buildset_id(), up);
  w.restart();
  EXPECT_EQ(w.buildsets("package").size(), 1u);
}

TEST(Dependent, DecisionIsGuardedByTheSchedulerStreamVersion) {
  DependentWorld w;
  w.add_change(change(""));
  auto up = w.buildsets("tests").at(0).buildset_id();
  w.complete(up, events::SUCCESS, /*tell=*/false);
  auto& core = w.core("package");
  auto decision = ok(core.decide(UpstreamCompleted{up, events::SUCCESS}));
  ASSERT_EQ(decision.events.size(), 1u);
  EXPECT_EQ(decision.events[0].scheduler_state_saved().key(), "upstream_handled");
  ASSERT_EQ(decision.buildsets.size(), 1u);
  auto request = to_append_request(core, decision, 100, 100);
  EXPECT_TRUE(request.expected.at("scheduler/package").matches(core.version()));
  w.apply(core, decision);
  // The same decision made by a racing master from the old state now conflicts.
  EXPECT_FALSE(request.expected.at("scheduler/package").matches(core.version()));
  EXPECT_TRUE(ok(core.decide(UpstreamCompleted{up, events::SUCCESS})).empty());
  EXPECT_EQ(w.buildsets("package").size(), 1u);
}

TEST(Dependent, UpstreamResultBeforeStartIsRefused) {
  auto core = make(DependentWorld::package_config());
  auto result = core->decide(UpstreamCompleted{1, events::SUCCESS});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, SchedulerError::Code::not_started);
}

}  // namespace
}  // namespace eventbot::schedulers::testing
