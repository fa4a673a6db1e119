// DistributorCore: which request, which slave, which builder first, collapsing, claims
// and build numbers, all on hand-built event sequences folded through a fake log.
#include <set>

#include "tests/builders/harness.hpp"

namespace eventbot::builders {
namespace {

using config::NextBuildPolicy;
using config::NextSlavePolicy;
using testing::Fixture;
using testing::kMaster;
using testing::stamp;

config::MasterConfig one_builder(std::vector<std::string> slaves = {"s1"},
                                 NextSlavePolicy policy = NextSlavePolicy::in_order,
                                 int max_builds = 0) {
  config::MasterConfig c;
  c.master_id = kMaster;
  for (const auto& s : slaves) c.slaves.push_back(testing::slave_config(s, max_builds));
  c.builders.push_back(testing::builder_config("b", slaves, policy));
  return c;
}

std::vector<std::uint64_t> requests_of(const std::vector<StartBuild>& starts) {
  std::vector<std::uint64_t> out;
  for (const auto& s : starts) out.insert(out.end(), s.request_ids.begin(), s.request_ids.end());
  return out;
}

// ---------------------------------------------------------------------------------
// Which request
// ---------------------------------------------------------------------------------

TEST(DistributorRequests, OldestRequestFirst) {
  auto config = one_builder({"s1"}, NextSlavePolicy::in_order, 1);
  Fixture f(config);
  auto first = f.log.submit_one("b", stamp("main", {1}));
  f.log.submit_one("b", stamp("other", {2}));
  f.log.attach("s1");
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 1u);  // max_builds 1
  EXPECT_EQ(starts[0].request_ids, (std::vector<std::uint64_t>{first}));
}

TEST(DistributorRequests, HigherRequestPriorityBeforeOlder) {
  Fixture f(one_builder({"s1"}, NextSlavePolicy::in_order, 1));
  f.log.submit_one("b", stamp("main", {1}), 0);
  auto urgent = f.log.submit_one("b", stamp("other", {2}), 5);
  f.log.attach("s1");
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].request_ids[0], urgent);
}

TEST(DistributorRequests, NewestPolicyTakesTheNewest) {
  auto config = one_builder({"s1"}, NextSlavePolicy::in_order, 1);
  config.builders[0].next_build = NextBuildPolicy::newest;
  Fixture f(config);
  f.log.submit_one("b", stamp("a", {1}));
  f.log.submit_one("b", stamp("b", {2}));
  auto newest = f.log.submit_one("b", stamp("c", {3}));
  f.log.attach("s1");
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].request_ids[0], newest);
  // The queue query lists the policy's order.
  auto pending = f.core.pending("b");
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].id, newest);
  EXPECT_GT(pending[0].submitted_us, pending[2].submitted_us);
}

TEST(DistributorRequests, NewestPolicyStillHonoursPriority) {
  auto config = one_builder({"s1"}, NextSlavePolicy::in_order, 1);
  config.builders[0].next_build = NextBuildPolicy::newest;
  Fixture f(config);
  auto urgent = f.log.submit_one("b", stamp("a", {1}), 3);
  f.log.submit_one("b", stamp("b", {2}), 0);
  f.log.attach("s1");
  EXPECT_EQ(f.decide().at(0).request_ids[0], urgent);
}

TEST(DistributorRequests, RequestPolicyComparatorOrdersByPriorityThenTime) {
  PendingRequest old_low{1, 1, "b", 0, 100, 1, {}};
  PendingRequest new_low{2, 2, "b", 0, 200, 2, {}};
  PendingRequest new_high{3, 3, "b", 1, 300, 3, {}};
  EXPECT_TRUE(request_before(NextBuildPolicy::oldest, old_low, new_low));
  EXPECT_FALSE(request_before(NextBuildPolicy::oldest, new_low, old_low));
  EXPECT_TRUE(request_before(NextBuildPolicy::newest, new_low, old_low));
  EXPECT_TRUE(request_before(NextBuildPolicy::oldest, new_high, old_low));
  EXPECT_TRUE(request_before(NextBuildPolicy::newest, new_high, new_low));
}

TEST(DistributorRequests, CancelledAndCompletedLeaveTheQueue) {
  auto config = one_builder();
  config.collapse_requests = false;
  Fixture f(config);
  auto r1 = f.log.submit_one("b", stamp("main", {1}));
  auto r2 = f.log.submit_one("b", stamp("main", {2}));
  auto r3 = f.log.submit_one("b", stamp("main", {3}));
  EXPECT_EQ(f.core.pending("b").size(), 3u);
  f.log.cancel(r1);
  f.log.complete(r3);
  auto pending = f.core.pending("b");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, r2);
  f.log.attach("s1");
  EXPECT_EQ(requests_of(f.decide()), (std::vector<std::uint64_t>{r2}));
}

TEST(DistributorRequests, ClaimedElsewhereIsNotPendingAndUnclaimedReturns) {
  Fixture f(one_builder());
  auto r1 = f.log.submit_one("b", stamp("main", {1}));
  f.log.claim(r1, "m2");
  f.log.attach("s1");
  EXPECT_TRUE(f.core.pending("b").empty());
  EXPECT_TRUE(f.decide().empty());
  f.log.unclaim(r1);
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].request_ids[0], r1);
  // The claim expects the request's stream after the unclaim: submitted, claimed, unclaimed.
  EXPECT_EQ(starts[0].request_versions[0], StreamVersion{3});
  EXPECT_TRUE(f.log.append(f.core.append_request_for(starts[0])));
  EXPECT_TRUE(f.decide().empty());
}

TEST(DistributorRequests, RequestsOfUnconfiguredBuildersAreListedButNeverStarted) {
  Fixture f(one_builder());
  auto r = f.log.submit_one("ghost", stamp("main", {1}));
  f.log.attach("s1");
  EXPECT_TRUE(f.decide().empty());
  auto all = f.core.pending_by_builder();
  ASSERT_TRUE(all.contains("ghost"));
  EXPECT_EQ(all["ghost"].at(0).id, r);
}

// ---------------------------------------------------------------------------------
// Which slave
// ---------------------------------------------------------------------------------

TEST(DistributorSlaves, InOrderTakesTheFirstFreeSlave) {
  auto config = one_builder({"s1", "s2", "s3"}, NextSlavePolicy::in_order, 1);
  config.collapse_requests = false;
  Fixture f(config);
  for (auto s : {"s3", "s2", "s1"}) f.log.attach(s);
  f.log.submit_one("b", stamp("main", {1}));
  auto first = f.start_all();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].slave, "s1");
  f.log.submit_one("b", stamp("main", {2}));
  auto second = f.start_all();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].slave, "s2");  // s1 is busy (max_builds 1)
}

TEST(DistributorSlaves, RandomIsDeterministicPerSeedAndReachesEveryIdleSlave) {
  Fixture f(one_builder({"s1", "s2", "s3", "s4"}, NextSlavePolicy::random));
  for (auto s : {"s1", "s2", "s3", "s4"}) f.log.attach(s);
  f.log.submit_one("b", stamp("main", {1}));
  std::set<std::string> chosen;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    auto starts = f.decide(seed);
    ASSERT_EQ(starts.size(), 1u);
    chosen.insert(starts[0].slave);
    EXPECT_EQ(f.decide(seed)[0].slave, starts[0].slave) << "seed " << seed;
  }
  EXPECT_EQ(chosen, (std::set<std::string>{"s1", "s2", "s3", "s4"}));
}

TEST(DistributorSlaves, RandomNeverPicksABusyOrDetachedSlave) {
  Fixture f(one_builder({"s1", "s2", "s3"}, NextSlavePolicy::random, 1));
  f.log.attach("s1");
  f.log.attach("s2");  // s3 never attaches
  f.log.submit_one("b", stamp("main", {1}));
  ASSERT_EQ(f.start_all(7).size(), 1u);
  const std::string busy = f.core.running().at(0).slave;
  f.log.submit_one("b", stamp("x", {2}));
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    auto starts = f.decide(seed);
    ASSERT_EQ(starts.size(), 1u);
    EXPECT_NE(starts[0].slave, busy);
    EXPECT_NE(starts[0].slave, "s3");
  }
}

TEST(DistributorSlaves, LeastRecentlyUsedPrefersNeverUsedThenOldestUse) {
  auto config = one_builder({"s1", "s2", "s3"}, NextSlavePolicy::least_recently_used);
  config.collapse_requests = false;
  Fixture f(config);
  for (auto s : {"s1", "s2", "s3"}) f.log.attach(s);
  f.log.submit_one("b", stamp("main", {1}));
  auto a = f.start_all();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].slave, "s1");  // all unused: configuration order
  f.log.finish("b", a[0].number);
  f.log.submit_one("b", stamp("main", {2}));
  auto b = f.start_all();
  EXPECT_EQ(b.at(0).slave, "s2");
  f.log.finish("b", b[0].number);
  f.log.submit_one("b", stamp("main", {3}));
  auto c = f.start_all();
  EXPECT_EQ(c.at(0).slave, "s3");
  f.log.finish("b", c[0].number);
  f.log.submit_one("b", stamp("main", {4}));
  EXPECT_EQ(f.decide().at(0).slave, "s1");  // used longest ago
}

TEST(DistributorSlaves, LeastRecentlyUsedWithinOneDecision) {
  // Two builders (a slave runs one build of each at a time): b's two builds, then c's.
  auto config = one_builder({"s1", "s2"}, NextSlavePolicy::least_recently_used);
  config.collapse_requests = false;
  config.builders.push_back(
      testing::builder_config("c", {"s1", "s2"}, NextSlavePolicy::least_recently_used));
  Fixture f(config);
  f.log.attach("s1");
  f.log.attach("s2");
  for (std::uint64_t c = 1; c <= 2; ++c) {
    f.log.submit_one("b", stamp("main", {c}));
    f.log.submit_one("c", stamp("main", {c}));
  }
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 4u);
  EXPECT_EQ(starts[0].slave, "s1");
  EXPECT_EQ(starts[1].slave, "s2");
  EXPECT_EQ(starts[2].builder, "c");
  EXPECT_EQ(starts[2].slave, "s1");  // used before s2 in this decision
  EXPECT_EQ(starts[3].slave, "s2");
}

TEST(DistributorSlaves, FewestBuildsCountsEveryBuilder) {
  config::MasterConfig config;
  config.master_id = kMaster;
  config.collapse_requests = false;
  for (auto s : {"s1", "s2", "s3"}) config.slaves.push_back(testing::slave_config(s));
  // Three builders, each in order on s1 first (one build of each fits there at once).
  for (auto fill : {"fill1", "fill2", "fill3"}) {
    config.builders.push_back(testing::builder_config(fill, {"s1", "s2"}));
  }
  config.builders.push_back(
      testing::builder_config("b", {"s1", "s2", "s3"}, NextSlavePolicy::fewest_builds));
  Fixture f(config);
  for (auto s : {"s1", "s2", "s3"}) f.log.attach(s);
  // The fillers put three builds on s1.
  for (std::uint64_t c = 1; c <= 3; ++c) {
    f.log.submit_one("fill" + std::to_string(c), stamp("main", {c}));
  }
  auto filled = f.start_all();
  ASSERT_EQ(filled.size(), 3u);
  for (const auto& s : filled) EXPECT_EQ(s.slave, "s1");
  f.log.submit_one("b", stamp("main", {10}));
  f.log.submit_one("b", stamp("main", {11}));
  f.log.submit_one("b", stamp("main", {12}));
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 3u);
  EXPECT_EQ(starts[0].slave, "s2");  // 0 builds, before s3 in order
  EXPECT_EQ(starts[1].slave, "s3");  // s2 has 1 now
  EXPECT_EQ(starts[2].slave, "s1");  // s2 and s3 run a build of b already; s1 has 3
}

TEST(DistributorSlaves, OnlyTheBuildersOwnSlaves) {
  config::MasterConfig config;
  config.master_id = kMaster;
  config.slaves = {testing::slave_config("s1"), testing::slave_config("s2")};
  config.builders.push_back(testing::builder_config("b", {"s2"}));
  Fixture f(config);
  f.log.attach("s1");
  f.log.submit_one("b", stamp("main", {1}));
  EXPECT_TRUE(f.decide().empty());
  f.log.attach("s2");
  EXPECT_EQ(f.decide().at(0).slave, "s2");
}

TEST(DistributorSlaves, MaxBuildsHoldsAcrossBuilders) {
  config::MasterConfig config;
  config.master_id = kMaster;
  config.collapse_requests = false;
  config.slaves = {testing::slave_config("s1", 2)};
  config.builders = {testing::builder_config("x", {"s1"}), testing::builder_config("y", {"s1"})};
  Fixture f(config);
  f.log.attach("s1");
  f.log.submit_one("x", stamp("main", {1}));
  f.log.submit_one("y", stamp("main", {2}));
  f.log.submit_one("x", stamp("main", {3}));
  f.log.submit_one("y", stamp("main", {4}));
  auto starts = f.start_all();
  EXPECT_EQ(starts.size(), 2u);
  EXPECT_EQ(f.core.slave("s1")->running, 2);
  EXPECT_FALSE(f.core.slave("s1")->usable);
  EXPECT_TRUE(f.decide().empty());
  f.log.finish(starts[0].builder, starts[0].number);
  auto next = f.start_all();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(f.core.slave("s1")->running, 2);
}

TEST(DistributorSlaves, MaxBuildsZeroIsUnlimited) {
  config::MasterConfig config;
  config.master_id = kMaster;
  config.slaves = {testing::slave_config("s1", 0)};
  for (int b = 1; b <= 5; ++b) {
    config.builders.push_back(testing::builder_config("b" + std::to_string(b), {"s1"}));
  }
  Fixture f(config);
  f.log.attach("s1");
  for (std::uint64_t b = 1; b <= 5; ++b) {
    f.log.submit_one("b" + std::to_string(b), stamp("main", {b}));
  }
  EXPECT_EQ(f.decide().size(), 5u);
}

// Buildbot's rule: the builds of one builder share its directory on the slave, so a
// slave runs one build of a builder at a time, whatever its max_builds; another build
// of that builder goes to another slave or waits.
TEST(DistributorSlaves, ASlaveRunsOneBuildOfABuilderAtATime) {
  auto config = one_builder({"s1", "s2"}, NextSlavePolicy::in_order, 0);
  config.collapse_requests = false;
  config.builders.push_back(testing::builder_config("other", {"s1"}));
  Fixture f(config);
  f.log.attach("s1");
  for (std::uint64_t c = 1; c <= 3; ++c) f.log.submit_one("b", stamp("main", {c}));
  f.log.submit_one("other", stamp("main", {9}));
  // One decision: one build of b on s1 (not three), and other's build beside it.
  auto first = f.start_all();
  ASSERT_EQ(first.size(), 2u);
  std::map<std::string, std::string> where;
  for (const auto& start : first) where[start.builder] = start.slave;
  EXPECT_EQ(where, (std::map<std::string, std::string>{{"b", "s1"}, {"other", "s1"}}));
  EXPECT_TRUE(f.decide().empty()) << "a second build of b on s1 while the first runs";
  // A second slave takes the next build of b; the third waits for one to finish.
  f.log.attach("s2");
  auto second = f.start_all();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].slave, "s2");
  EXPECT_TRUE(f.decide().empty());
  f.log.finish("b", first[0].builder == "b" ? first[0].number : first[1].number);
  auto third = f.start_all();
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].slave, "s1");
}

// The rule holds for a build started before a master restart too (it is in the fold).
TEST(DistributorSlaves, ABuildOfTheBuilderFromBeforeARestartKeepsTheSlaveBusyForIt) {
  auto config = one_builder({"s1"}, NextSlavePolicy::in_order, 0);
  config.collapse_requests = false;
  Fixture f(config);
  f.log.attach("s1");
  f.log.submit_one("b", stamp("main", {1}));
  auto started = f.start_all();
  ASSERT_EQ(started.size(), 1u);
  f.log.master_started(kMaster);
  f.log.attach("s1");
  f.log.submit_one("b", stamp("main", {2}));
  EXPECT_TRUE(f.decide().empty());
  f.log.finish("b", started[0].number);
  EXPECT_EQ(f.decide().size(), 1u);
}

TEST(DistributorSlaves, SlaveAttachedToAnotherMasterIsNotUsed) {
  Fixture f(one_builder());
  f.log.submit_one("b", stamp("main", {1}));
  f.log.attach("s1", "m2");
  EXPECT_TRUE(f.decide().empty());
  EXPECT_TRUE(f.core.slave("s1")->attached);
  EXPECT_EQ(f.core.slave("s1")->master_id, "m2");
  EXPECT_FALSE(f.core.slave("s1")->usable);
  f.log.attach("s1", kMaster);  // it moved here
  EXPECT_EQ(f.decide().size(), 1u);
}

TEST(DistributorSlaves, DetachedSlaveIsNotUsedAndLateDetachElsewhereIsIgnored) {
  Fixture f(one_builder());
  f.log.submit_one("b", stamp("main", {1}));
  f.log.attach("s1");
  f.log.detach("s1");
  EXPECT_TRUE(f.decide().empty());
  f.log.attach("s1");
  f.log.detach("s1", "m2");  // m2 records the end of an older connection
  EXPECT_EQ(f.decide().size(), 1u);
}

TEST(DistributorSlaves, MasterStartedDropsThisMastersAttachmentsOnly) {
  config::MasterConfig config = one_builder({"s1", "s2"});
  Fixture f(config);
  f.log.attach("s1");
  f.log.attach("s2", "m2");
  f.log.master_started("m2");  // another master's start: our attachments stand
  EXPECT_TRUE(f.core.slave("s1")->usable);
  f.log.master_started(kMaster);
  EXPECT_FALSE(f.core.slave("s1")->attached);
  EXPECT_TRUE(f.core.slave("s2")->attached);  // m2's, not ours to drop
  f.log.submit_one("b", stamp("main", {1}));
  EXPECT_TRUE(f.decide().empty());
  f.log.attach("s1");
  EXPECT_EQ(f.decide().at(0).slave, "s1");
}

TEST(DistributorSlaves, BuildsRunningBeforeARestartStayCountedUntilFinished) {
  auto config = one_builder({"s1"}, NextSlavePolicy::in_order, 1);
  config.collapse_requests = false;
  Fixture f(config);
  f.log.attach("s1");
  f.log.submit_one("b", stamp("main", {1}));
  auto started = f.start_all();
  ASSERT_EQ(started.size(), 1u);
  f.log.master_started(kMaster);
  f.log.attach("s1");
  f.log.submit_one("b", stamp("main", {2}));
  EXPECT_EQ(f.core.running().size(), 1u);
  EXPECT_TRUE(f.decide().empty());  // the old build still counts against max_builds
  f.log.finish("b", started[0].number);
  EXPECT_EQ(f.decide().size(), 1u);
}

TEST(DistributorSlaves, ShutdownRequestedTakesNoNewBuildUntilReattached) {
  Fixture f(one_builder());
  f.log.attach("s1");
  f.log.shutdown("s1");
  f.log.submit_one("b", stamp("main", {1}));
  EXPECT_TRUE(f.decide().empty());
  EXPECT_TRUE(f.core.slave("s1")->shutdown_requested);
  f.log.detach("s1");
  f.log.attach("s1");
  EXPECT_EQ(f.decide().size(), 1u);
}

// ---------------------------------------------------------------------------------
// Which builder
// ---------------------------------------------------------------------------------

config::MasterConfig two_builders_one_slot() {
  config::MasterConfig config;
  config.master_id = kMaster;
  config.slaves = {testing::slave_config("s1", 1)};
  config.builders = {testing::builder_config("low", {"s1"}),
                     testing::builder_config("high", {"s1"})};
  return config;
}

TEST(DistributorBuilders, HigherBuilderPriorityFirst) {
  auto config = two_builders_one_slot();
  config.builders[1].priority = 5;
  Fixture f(config);
  f.log.attach("s1");
  f.log.submit_one("low", stamp("main", {1}));  // older
  f.log.submit_one("high", stamp("main", {2}));
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].builder, "high");
}

TEST(DistributorBuilders, EqualPriorityOldestPendingRequestFirst) {
  auto config = two_builders_one_slot();
  Fixture f(config);
  f.log.attach("s1");
  f.log.submit_one("high", stamp("main", {1}));  // older, though second in the config
  f.log.submit_one("low", stamp("main", {2}));
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].builder, "high");
}

TEST(DistributorBuilders, NegativePriorityGoesLast) {
  auto config = two_builders_one_slot();
  config.builders[0].priority = -1;
  Fixture f(config);
  f.log.attach("s1");
  f.log.submit_one("low", stamp("main", {1}));
  f.log.submit_one("high", stamp("main", {2}));
  EXPECT_EQ(f.decide().at(0).builder, "high");
}

// ---------------------------------------------------------------------------------
// Collapsing
// ---------------------------------------------------------------------------------

TEST(DistributorCollapse, CompatibleRequestsMergeIntoOneBuild) {
  Fixture f(one_builder());
  auto r1 = f.log.submit_one("b", stamp("main", {1}, "aaa"));
  auto r2 = f.log.submit_one("b", stamp("main", {3}, "ccc"));
  auto r3 = f.log.submit_one("b", stamp("main", {2}, "bbb"));
  f.log.attach("s1");
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].request_ids, (std::vector<std::uint64_t>{r1, r2, r3}));
  EXPECT_EQ(starts[0].buildset_ids, (std::vector<std::uint64_t>{1, 2, 3}));
  ASSERT_EQ(starts[0].sourcestamps.size(), 1u);
  const auto& ss = starts[0].sourcestamps[0];
  EXPECT_EQ(std::vector<std::uint64_t>(ss.change_ids().begin(), ss.change_ids().end()),
            (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(ss.revision(), "ccc");  // the newest change's revision
}

TEST(DistributorCollapse, ChosenRequestComesFirstEvenWhenNotOldest) {
  Fixture f(one_builder());
  auto r1 = f.log.submit_one("b", stamp("main", {1}));
  auto r2 = f.log.submit_one("b", stamp("main", {2}), 9);
  f.log.attach("s1");
  EXPECT_EQ(f.decide().at(0).request_ids, (std::vector<std::uint64_t>{r2, r1}));
}

// The collapse tests give each build a slave of its own: a slave runs one build of a
// builder at a time.
void attach_all(Fixture& f) {
  for (const auto& slave : f.config.slaves) f.log.attach(slave.name);
}

TEST(DistributorCollapse, IncompatibleRequestsBuildSeparately) {
  Fixture f(one_builder({"s1", "s2", "s3", "s4", "s5"}));
  auto base = f.log.submit_one("b", stamp("main", {1}));
  auto patched_stamp = stamp("main", {2});
  patched_stamp.set_patch("--- a\n+++ b\n");
  f.log.submit_one("b", patched_stamp);
  f.log.submit_one("b", stamp("release", {3}));
  f.log.submit_one("b", stamp("main", {4}, "", "git://example/fork"));
  f.log.submit_one("b", stamp("main", {}, "abc"));  // no changes vs changes
  attach_all(f);
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 5u);
  for (const auto& s : starts) EXPECT_EQ(s.request_ids.size(), 1u);
  EXPECT_EQ(starts[0].request_ids[0], base);
}

TEST(DistributorCollapse, WithoutChangesOnlyTheSameRevisionMerges) {
  Fixture f(one_builder({"s1", "s2", "s3", "s4", "s5"}));
  auto r1 = f.log.submit_one("b", stamp("main", {}, "abc"));
  f.log.submit_one("b", stamp("main", {}, "def"));
  auto r3 = f.log.submit_one("b", stamp("main", {}, "abc"));
  attach_all(f);
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0].request_ids, (std::vector<std::uint64_t>{r1, r3}));
}

TEST(DistributorCollapse, OffForOneBuilder) {
  auto config = one_builder({"s1", "s2"});
  config.builders[0].collapse_requests = false;
  Fixture f(config);
  f.log.submit_one("b", stamp("main", {1}));
  f.log.submit_one("b", stamp("main", {2}));
  attach_all(f);
  EXPECT_FALSE(f.core.collapses("b"));
  EXPECT_EQ(f.decide().size(), 2u);
}

TEST(DistributorCollapse, OffGloballyAndOnForOneBuilder) {
  config::MasterConfig config;
  config.master_id = kMaster;
  config.collapse_requests = false;
  config.slaves = {testing::slave_config("s1"), testing::slave_config("s2")};
  config.builders = {testing::builder_config("plain", {"s1", "s2"}),
                     testing::builder_config("merging", {"s1", "s2"})};
  config.builders[1].collapse_requests = true;
  Fixture f(config);
  for (std::uint64_t c = 1; c <= 2; ++c) {
    f.log.submit_one("plain", stamp("main", {c}));
    f.log.submit_one("merging", stamp("main", {c}));
  }
  attach_all(f);
  std::map<std::string, int> builds;
  for (const auto& s : f.decide()) ++builds[s.builder];
  EXPECT_EQ(builds["plain"], 2);
  EXPECT_EQ(builds["merging"], 1);
}

TEST(DistributorCollapse, OtherBuildersRequestsNeverMerge) {
  config::MasterConfig config;
  config.master_id = kMaster;
  config.slaves = {testing::slave_config("s1")};
  config.builders = {testing::builder_config("x", {"s1"}), testing::builder_config("y", {"s1"})};
  Fixture f(config);
  f.log.submit({"x", "y"}, {stamp("main", {1})});
  f.log.attach("s1");
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0].request_ids.size(), 1u);
  EXPECT_EQ(starts[1].request_ids.size(), 1u);
}

// ---------------------------------------------------------------------------------
// Claims, numbers and the fold
// ---------------------------------------------------------------------------------

TEST(DistributorClaims, EventsCarryTheExpectedVersions) {
  Fixture f(one_builder());
  auto r1 = f.log.submit_one("b", stamp("main", {1}));
  auto r2 = f.log.submit_one("b", stamp("main", {2}));
  f.log.claim(r2, "m2");
  f.log.unclaim(r2);  // r2's stream is at version 3 now
  f.log.attach("s1");
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 1u);
  auto request = f.core.append_request_for(starts[0]);
  ASSERT_EQ(request.events.size(), 3u);
  EXPECT_EQ(request.events[0].build_request_claimed().request_id(), r1);
  EXPECT_EQ(request.events[0].build_request_claimed().master_id(), kMaster);
  EXPECT_EQ(request.events[0].build_request_claimed().builder(), "b");
  EXPECT_EQ(request.events[0].stream(), streams::build_request(r1));
  EXPECT_EQ(request.events[1].stream(), streams::build_request(r2));
  EXPECT_TRUE(request.expected.at(streams::build_request(r1)).matches(StreamVersion{1}));
  EXPECT_FALSE(request.expected.at(streams::build_request(r1)).matches(StreamVersion{2}));
  EXPECT_TRUE(request.expected.at(streams::build_request(r2)).matches(StreamVersion{3}));
  EXPECT_FALSE(request.expected.at(streams::build_request(r2)).matches(StreamVersion{1}));
  const auto& started = request.events[2];
  EXPECT_EQ(started.stream(), streams::build("b", 0));
  EXPECT_EQ(started.master_id(), kMaster);
  EXPECT_EQ(started.build_started().slave(), "s1");
  EXPECT_EQ(started.build_started().request_ids_size(), 2);
  EXPECT_TRUE(request.expected.at(streams::build("b", 0)).matches(StreamVersion{0}));
  EXPECT_FALSE(request.expected.at(streams::build("b", 0)).matches(StreamVersion{1}));

  ASSERT_TRUE(f.log.append(request));
  EXPECT_TRUE(f.decide().empty());  // folded: nothing left to start
  EXPECT_TRUE(f.core.pending("b").empty());
  EXPECT_FALSE(f.log.append(request));  // the same claims again conflict
}

TEST(DistributorClaims, AClaimByAnotherMasterMeanwhileMakesTheAppendFail) {
  Fixture f(one_builder());
  auto r1 = f.log.submit_one("b", stamp("main", {1}));
  f.log.attach("s1");
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 1u);
  f.log.claim(r1, "m2");  // m2 wins the race
  EXPECT_FALSE(f.log.append(f.core.append_request_for(starts[0])));
  EXPECT_TRUE(f.core.running().empty());
  EXPECT_TRUE(f.decide().empty());
}

TEST(DistributorClaims, AnotherMasterTakingTheNumberMakesTheAppendFail) {
  Fixture f(one_builder());
  f.log.submit_one("b", stamp("main", {1}));
  f.log.attach("s1");
  auto starts = f.decide();
  Envelope other;
  other.set_stream(streams::build("b", 0));
  other.mutable_build_started()->set_builder("b");
  other.mutable_build_started()->set_number(0);
  other.mutable_build_started()->set_slave("elsewhere");
  ASSERT_TRUE(f.log.append(other));
  EXPECT_FALSE(f.log.append(f.core.append_request_for(starts.at(0))));
  EXPECT_EQ(f.decide().at(0).number, 1u);  // refolded: the next free number
}

TEST(DistributorClaims, BuildNumbersAreDensePerBuilder) {
  config::MasterConfig config;
  config.master_id = kMaster;
  config.collapse_requests = false;
  config.slaves = {testing::slave_config("s1"), testing::slave_config("s2")};
  config.builders = {testing::builder_config("x", {"s1", "s2"}),
                     testing::builder_config("y", {"s1"})};
  Fixture f(config);
  f.log.attach("s1");
  f.log.attach("s2");
  f.log.submit_one("x", stamp("main", {1}));
  f.log.submit_one("x", stamp("main", {2}));
  f.log.submit_one("y", stamp("main", {3}));
  auto first = f.start_all();
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].number, 0u);
  EXPECT_EQ(first[1].number, 1u);
  EXPECT_EQ(first[2].builder, "y");
  EXPECT_EQ(first[2].number, 0u);
  f.log.finish("x", 0);
  f.log.finish("x", 1);
  f.log.submit_one("x", stamp("main", {4}));
  auto next = f.start_all();
  EXPECT_EQ(next.at(0).number, 2u);  // never reused after the builds finished
  EXPECT_EQ(f.core.next_build_number("x"), 3u);
  EXPECT_EQ(f.core.next_build_number("y"), 1u);
  EXPECT_EQ(f.core.next_build_number("z"), 0u);
}

TEST(DistributorClaims, NumbersFollowTheHighestSeen) {
  Fixture f(one_builder());
  Envelope old_build;
  old_build.set_stream(streams::build("b", 41));
  old_build.mutable_build_finished()->set_builder("b");
  old_build.mutable_build_finished()->set_number(41);
  f.log.append(old_build);
  f.log.attach("s1");
  f.log.submit_one("b", stamp("main", {1}));
  EXPECT_EQ(f.decide().at(0).number, 42u);
}

TEST(DistributorClaims, PropertiesReasonAndSourcesOfAStart) {
  auto config = one_builder();
  config.properties = {{"owner", R"("alice")"}, {"suite", R"("global")"}};
  config.builders[0].properties = {{"suite", R"("builder")"}, {"level", "1"}};
  config.slaves[0].properties = {{"os", R"("linux")"}, {"level", "2"}};
  Fixture f(config);
  events::Property from_scheduler;
  from_scheduler.set_name("suite");
  from_scheduler.set_value_json(R"("scheduler")");
  from_scheduler.set_source("Scheduler");
  f.log.submit({"b"}, {stamp("main", {1}, "abc")}, {}, {from_scheduler}, "a change");
  f.log.attach("s1");
  auto starts = f.decide();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].reason, "a change");
  std::map<std::string, std::pair<std::string, std::string>> props;
  for (const auto& p : starts[0].properties) props[p.name()] = {p.value_json(), p.source()};
  using Value = std::pair<std::string, std::string>;
  EXPECT_EQ(props["owner"], Value(R"("alice")", "Global"));
  EXPECT_EQ(props["suite"], Value(R"("scheduler")", "Scheduler"));
  EXPECT_EQ(props["level"], Value("2", "BuildSlave"));
  EXPECT_EQ(props["os"].first, R"("linux")");
  EXPECT_EQ(props["buildername"].first, R"("b")");
  EXPECT_EQ(props["buildnumber"].first, "0");
  EXPECT_EQ(props["slavename"].first, R"("s1")");
  EXPECT_EQ(props["branch"].first, R"("main")");
  EXPECT_EQ(props["revision"].first, R"("abc")");
  auto request = f.core.append_request_for(starts[0]);
  EXPECT_EQ(request.events.back().build_started().properties_size(),
            static_cast<int>(starts[0].properties.size()));
  EXPECT_EQ(request.events.back().build_started().reason(), "a change");
}

TEST(DistributorQueries, RunningBuildsAndSlaves) {
  auto config = one_builder({"s1", "s2"}, NextSlavePolicy::in_order, 3);
  Fixture f(config);
  f.log.attach("s1");
  auto r = f.log.submit_one("b", stamp("main", {1}));
  auto starts = f.start_all();
  ASSERT_EQ(starts.size(), 1u);
  auto running = f.core.running();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].builder, "b");
  EXPECT_EQ(running[0].number, 0u);
  EXPECT_EQ(running[0].slave, "s1");
  EXPECT_EQ(running[0].request_ids, (std::vector<std::uint64_t>{r}));
  EXPECT_EQ(running[0].master_id, kMaster);
  auto slaves = f.core.slaves();
  ASSERT_EQ(slaves.size(), 2u);
  EXPECT_EQ(slaves[0].name, "s1");
  EXPECT_EQ(slaves[0].running, 1);
  EXPECT_EQ(slaves[0].max_builds, 3);
  EXPECT_TRUE(slaves[0].usable);
  EXPECT_GT(slaves[0].last_build_sequence, 0u);
  EXPECT_FALSE(slaves[1].attached);
  EXPECT_FALSE(slaves[1].usable);
  f.log.finish("b", 0);
  EXPECT_TRUE(f.core.running().empty());
  EXPECT_EQ(f.core.slave("s1")->running, 0);
  EXPECT_FALSE(f.core.slave("nope").has_value());
}

}  // namespace
}  // namespace eventbot::builders

namespace eventbot::builders {
namespace {

// Many random histories: whatever decide proposes, once appended and folded, it proposes
// nothing more; no slave exceeds max_builds; no request is built twice; numbers are dense.
TEST(DistributorProperties, DecideIsConsistentWithTheFold) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    config::MasterConfig config;
    config.master_id = testing::kMaster;
    config.slaves = {testing::slave_config("s1", 1), testing::slave_config("s2", 2),
                     testing::slave_config("s3", 0)};
    config.builders = {
        testing::builder_config("x", {"s1", "s2"}, config::NextSlavePolicy::random),
        testing::builder_config("y", {"s2", "s3"}, config::NextSlavePolicy::fewest_builds),
        testing::builder_config("z", {"s1", "s3"}, config::NextSlavePolicy::least_recently_used)};
    config.builders[2].collapse_requests = false;
    testing::Fixture f(config);
    Random dice(seed);
    std::set<std::uint64_t> built;
    std::map<std::string, std::uint32_t> numbers;
    const std::vector<std::string> names = {"x", "y", "z"};
    for (int round = 0; round < 30; ++round) {
      switch (dice.below(5)) {
        case 0:
          f.log.attach("s" + std::to_string(1 + dice.below(3)));
          break;
        case 1:
          f.log.detach("s" + std::to_string(1 + dice.below(3)));
          break;
        case 2: {
          auto running = f.core.running();
          if (!running.empty()) {
            const auto& r = running[dice.below(running.size())];
            f.log.finish(r.builder, r.number);
          }
          break;
        }
        default:
          f.log.submit({names[dice.below(3)]}, {stamp(dice.below(2) ? "main" : "dev",
                                                      {static_cast<std::uint64_t>(1 + round)})});
      }
      for (const auto& start : f.start_all(seed * 100 + round)) {
        for (auto id : start.request_ids) EXPECT_TRUE(built.insert(id).second) << id;
        EXPECT_EQ(start.number, numbers[start.builder]++);
      }
      EXPECT_TRUE(f.decide(round).empty()) << "seed " << seed << " round " << round;
      for (const auto& slave : f.core.slaves()) {
        if (slave.max_builds > 0 && slave.attached) {
          EXPECT_LE(slave.running, slave.max_builds);
        }
      }
      std::set<std::pair<std::string, std::string>> builder_on_slave;
      for (const auto& r : f.core.running()) {
        EXPECT_TRUE(builder_on_slave.emplace(r.builder, r.slave).second)
            << "two builds of " << r.builder << " on " << r.slave;
      }
    }
  }
}

}  // namespace
}  // namespace eventbot::builders

namespace eventbot::builders {
namespace {

std::vector<std::uint64_t> ids_of(const std::vector<PendingRequest>& requests) {
  std::vector<std::uint64_t> out;
  for (const auto& r : requests) out.push_back(r.id);
  return out;
}

// The queue index (queues_, ages_) follows every way a request enters or leaves the
// queue: submitted, claimed, unclaimed (back in its place), cancelled, completed.
TEST(DistributorQueue, PendingFollowsClaimsUnclaimsCancelsAndCompletions) {
  Fixture f(one_builder());
  std::vector<std::uint64_t> ids;
  for (std::int32_t priority : {0, 5, 0, 5, 0}) {
    ids.push_back(f.log.submit({"b"}, {}, {priority}).at(0));
  }
  // Higher priority first, then oldest.
  EXPECT_EQ(ids_of(f.core.pending("b")),
            (std::vector<std::uint64_t>{ids[1], ids[3], ids[0], ids[2], ids[4]}));
  f.log.claim(ids[1]);
  f.log.claim(ids[0]);
  EXPECT_EQ(ids_of(f.core.pending("b")), (std::vector<std::uint64_t>{ids[3], ids[2], ids[4]}));
  f.log.unclaim(ids[1]);
  f.log.cancel(ids[2]);
  f.log.complete(ids[0]);
  EXPECT_EQ(ids_of(f.core.pending("b")), (std::vector<std::uint64_t>{ids[1], ids[3], ids[4]}));
  f.log.cancel(ids[1]);
  f.log.cancel(ids[3]);
  f.log.cancel(ids[4]);
  EXPECT_TRUE(f.core.pending("b").empty());
  EXPECT_TRUE(f.core.pending_by_builder().empty());
  EXPECT_TRUE(f.decide().empty());
}

}  // namespace
}  // namespace eventbot::builders
