// The builders' folds as snapshots (actors/builders/fold_snapshots.cpp): restored into a
// fresh object, each gives the same state, the same decisions and the same snapshot as
// the fold it was taken from, and goes on folding the log in step with it.
#include <gtest/gtest.h>

#include "actors/builders/buildset_tracker.hpp"
#include "actors/builders/lock_table.hpp"
#include "events/snapshots.pb.h"
#include "tests/builders/harness.hpp"

namespace eventbot::builders::testing {
namespace {

config::MasterConfig two_builders() {
  config::MasterConfig c;
  c.slaves = {slave_config("s1", 1), slave_config("s2")};
  c.builders = {builder_config("a", {"s1", "s2"}), builder_config("b", {"s1"})};
  return c;
}

std::string saved(const DistributorCore& core) {
  snapshots::DistributorCoreState out;
  core.save(out);
  return out.SerializeAsString();
}

DistributorCore restored(const config::MasterConfig& config, const DistributorCore& from) {
  snapshots::DistributorCoreState state;
  from.save(state);
  DistributorCore core(config, kMaster);
  EXPECT_TRUE(core.restore(state));
  return core;
}

TEST(DistributorSnapshot, ARestoredCoreDecidesAndFoldsAsTheOriginal) {
  Fixture f(two_builders());
  f.log.attach("s1");
  f.log.attach("s2");
  f.log.submit({"a", "b"}, {stamp("main", {1})}, {}, {}, "first");
  f.start_all();  // a on s1 (its one build); b waits for s1, s2 is asked to shut down
  f.log.submit({"a"}, {stamp("main", {2})});
  f.log.shutdown("s2");

  auto copy = restored(f.config, f.core);
  EXPECT_EQ(saved(copy), saved(f.core));
  EXPECT_EQ(copy.pending_by_builder(), f.core.pending_by_builder());
  EXPECT_EQ(copy.running(), f.core.running());
  EXPECT_EQ(copy.slaves(), f.core.slaves());
  EXPECT_EQ(copy.next_build_number("a"), f.core.next_build_number("a"));
  ASSERT_FALSE(f.core.pending_by_builder().empty());

  // The rest of the log folds into both alike: the build ends, s1 frees up, both decide
  // the same next builds with the same claims.
  f.log.on_event([&](const Envelope& e) { copy.evolve(e); });
  ASSERT_EQ(f.core.running().size(), 1u);
  f.log.finish("a", f.core.running()[0].number);
  Random r1(7), r2(7);
  auto original = f.core.decide(r1);
  auto again = copy.decide(r2);
  ASSERT_EQ(again.size(), original.size());
  ASSERT_FALSE(original.empty());
  for (std::size_t i = 0; i < original.size(); ++i) {
    EXPECT_EQ(copy.append_request_for(again[i]).events.size(),
              f.core.append_request_for(original[i]).events.size());
    EXPECT_EQ(again[i].builder, original[i].builder);
    EXPECT_EQ(again[i].number, original[i].number);
    EXPECT_EQ(again[i].slave, original[i].slave);
    EXPECT_EQ(again[i].request_ids, original[i].request_ids);
    EXPECT_EQ(again[i].request_versions, original[i].request_versions);
  }
  EXPECT_EQ(saved(copy), saved(f.core));
}

TEST(DistributorSnapshot, AnotherMastersSnapshotIsRefused) {
  Fixture f(two_builders());
  f.log.submit({"a"});
  snapshots::DistributorCoreState state;
  f.core.save(state);
  DistributorCore other(f.config, "m2");
  EXPECT_FALSE(other.restore(state));
  EXPECT_TRUE(other.pending_by_builder().empty());
}

TEST(DistributorSnapshot, AReconfiguredCoreKeepsItsFold) {
  Fixture f(two_builders());
  f.log.attach("s1");
  f.log.submit({"a", "b"});
  auto next = f.config;
  next.builders.pop_back();  // b is gone from the configuration; its request stays pending
  auto core = f.core.reconfigured(next);
  EXPECT_EQ(saved(*core), saved(f.core));
  EXPECT_EQ(core->pending("b").size(), 1u);
}

std::vector<config::LockConfig> locks() {
  return {config::LockConfig{"db", config::LockType::master, 1, {}},
          config::LockConfig{"disk", config::LockType::slave, 2, {}}};
}

TEST(LockTableSnapshot, HoldersComeBackAndStillExcludeOthers) {
  LockTable table(locks(), kMaster);
  auto first = WaiterId::build("a", 1);
  ASSERT_TRUE(table.enqueue(first, {{"db", config::LockAccess::exclusive}}, "s1"));
  ASSERT_EQ(table.grant(), std::vector<WaiterId>{first});
  snapshots::LockTableState state;
  table.save(state);

  LockTable copy(locks(), kMaster);
  ASSERT_TRUE(copy.restore(state));
  EXPECT_TRUE(copy.holds(first));
  EXPECT_EQ(copy.held_by(first), table.held_by(first));
  auto second = WaiterId::build("a", 2);
  ASSERT_TRUE(copy.enqueue(second, {{"db", config::LockAccess::exclusive}}, "s1"));
  EXPECT_TRUE(copy.grant().empty()) << "db is still held by build 1";
  copy.release(first);
  EXPECT_EQ(copy.grant(), std::vector<WaiterId>{second});
}

TEST(LockTableSnapshot, ASnapshotFoldedUnderOtherLockTypesIsRefused) {
  LockTable table(locks(), kMaster);
  snapshots::LockTableState state;
  table.save(state);
  auto changed = locks();
  changed[1].type = config::LockType::master;  // disk is no longer per slave
  LockTable copy(changed, kMaster);
  EXPECT_FALSE(copy.restore(state));
  LockTable fewer({locks()[0]}, kMaster);
  EXPECT_FALSE(fewer.restore(state));
}

TEST(BuildsetTrackerSnapshot, AnOpenBuildsetCompletesAfterARestore) {
  Fixture f(two_builders());
  BuildsetTracker tracker;
  f.log.on_event([&](const Envelope& e) { tracker.evolve(e); });
  auto ids = f.log.submit({"a", "b"});
  f.log.complete(ids[0]);
  ASSERT_TRUE(tracker.take_ready().empty());
  snapshots::BuildsetTrackerState state;
  tracker.save(state);

  BuildsetTracker copy;
  copy.restore(state);
  ASSERT_EQ(copy.open().size(), 1u);
  EXPECT_EQ(copy.open().begin()->second.open, tracker.open().begin()->second.open);
  f.log.on_event([&](const Envelope& e) { copy.evolve(e); });
  f.log.complete(ids[1]);
  auto done = copy.take_ready();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, tracker.take_ready().at(0).id);
}

}  // namespace
}  // namespace eventbot::builders::testing
