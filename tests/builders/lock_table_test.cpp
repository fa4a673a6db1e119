// LockTable: Buildbot's master and slave locks, counting and exclusive access, sets
// granted all or nothing, first come first served per lock, and the fold of its events.
#include "actors/builders/lock_table.hpp"

#include <gtest/gtest.h>

#include "events/streams.hpp"

namespace eventbot::builders {
namespace {

using config::LockAccess;
using config::LockConfig;
using config::LockType;
using config::LockUse;

LockUse exclusive(const std::string& lock) {
  return LockUse{lock, LockAccess::exclusive};
}
LockUse counting(const std::string& lock) {
  return LockUse{lock, LockAccess::counting};
}
WaiterId build(std::uint32_t n, const std::string& builder = "b") {
  return WaiterId::build(builder, n);
}

std::vector<LockConfig> locks() {
  return {
      LockConfig{"db", LockType::master, 1, {}},
      LockConfig{"cpu", LockType::master, 2, {}},
      LockConfig{"disk", LockType::slave, 1, {{"fast", 3}}},
      LockConfig{"net", LockType::master, 1, {}},
  };
}

void enqueue(LockTable& t, const WaiterId& w, std::vector<LockUse> uses,
             const std::string& slave = "s1") {
  auto r = t.enqueue(w, uses, slave);
  ASSERT_TRUE(r) << r.error().message;
}

using Granted = std::vector<WaiterId>;

TEST(Locks, ExclusiveIsHeldByOneAtATime) {
  LockTable t(locks());
  enqueue(t, build(1), {exclusive("db")});
  enqueue(t, build(2), {exclusive("db")});
  EXPECT_EQ(t.grant(), Granted{build(1)});
  EXPECT_TRUE(t.holds(build(1)));
  EXPECT_TRUE(t.waiting(build(2)));
  EXPECT_TRUE(t.grant().empty());
  auto released = t.release(build(1));
  EXPECT_EQ(released, (std::vector<HeldLock>{HeldLock{LockCopy{"db", ""}, true}}));
  EXPECT_EQ(t.grant(), Granted{build(2)});
}

TEST(Locks, CountingTakesOneOfMaxCountSlots) {
  LockTable t(locks());
  for (std::uint32_t n = 1; n <= 3; ++n) enqueue(t, build(n), {counting("cpu")});
  EXPECT_EQ(t.grant(), (Granted{build(1), build(2)}));
  EXPECT_EQ(t.holders(LockCopy{"cpu", ""}).size(), 2u);
  t.release(build(2));
  EXPECT_EQ(t.grant(), Granted{build(3)});
}

TEST(Locks, ExclusiveWaitsForEveryCountingHolderAndBlocksCounting) {
  LockTable t(locks());
  enqueue(t, build(1), {counting("cpu")});
  EXPECT_EQ(t.grant().size(), 1u);
  enqueue(t, build(2), {exclusive("cpu")});
  EXPECT_TRUE(t.grant().empty());  // a free slot is not enough for exclusive access
  t.release(build(1));
  EXPECT_EQ(t.grant(), Granted{build(2)});
  enqueue(t, build(3), {counting("cpu")});
  EXPECT_TRUE(t.grant().empty());  // nobody counts beside an exclusive holder
}

TEST(Locks, MaxCountForSlaveOverridesPerSlaveCopy) {
  LockTable t(locks());
  EXPECT_EQ(t.capacity(LockCopy{"disk", "fast"}), 3);
  EXPECT_EQ(t.capacity(LockCopy{"disk", "slow"}), 1);
  for (std::uint32_t n = 1; n <= 4; ++n) enqueue(t, build(n), {counting("disk")}, "fast");
  EXPECT_EQ(t.grant(), (Granted{build(1), build(2), build(3)}));
  enqueue(t, build(5), {counting("disk")}, "slow");
  enqueue(t, build(6), {counting("disk")}, "slow");
  EXPECT_EQ(t.grant(), Granted{build(5)});
}

TEST(Locks, SlaveCopiesAreIndependent) {
  LockTable t(locks());
  enqueue(t, build(1), {exclusive("disk")}, "s1");
  enqueue(t, build(2), {exclusive("disk")}, "s2");
  enqueue(t, build(3), {exclusive("disk")}, "s1");
  EXPECT_EQ(t.grant(), (Granted{build(1), build(2)}));
  EXPECT_EQ(t.held_by(build(2)), (std::vector<HeldLock>{HeldLock{LockCopy{"disk", "s2"}, true}}));
}

TEST(Locks, MasterLockIsOneLockWhateverTheSlave) {
  LockTable t(locks());
  enqueue(t, build(1), {exclusive("db")}, "s1");
  enqueue(t, build(2), {exclusive("db")}, "s2");
  EXPECT_EQ(t.grant(), Granted{build(1)});
}

TEST(Locks, AllOrNothing) {
  LockTable t(locks());
  enqueue(t, build(1), {exclusive("net")});
  EXPECT_EQ(t.grant().size(), 1u);
  enqueue(t, build(2), {exclusive("db"), exclusive("net")});
  EXPECT_TRUE(t.grant().empty());
  // Build 2 holds nothing while it waits: db is free for a build that wants only db.
  EXPECT_TRUE(t.holders(LockCopy{"db", ""}).empty());
  EXPECT_FALSE(t.holds(build(2)));
  t.release(build(1));
  EXPECT_EQ(t.grant(), Granted{build(2)});
  EXPECT_EQ(t.held_by(build(2)).size(), 2u);
}

TEST(Locks, OppositeOrdersDoNotDeadlock) {
  LockTable t(locks());
  enqueue(t, build(1), {exclusive("db"), exclusive("net")});
  enqueue(t, build(2), {exclusive("net"), exclusive("db")});
  EXPECT_EQ(t.grant(), Granted{build(1)});
  t.release(build(1));
  EXPECT_EQ(t.grant(), Granted{build(2)});
}

TEST(Locks, ExclusiveWaiterIsNotStarvedByLaterCountingWaiters) {
  LockTable t(locks());
  enqueue(t, build(1), {counting("cpu")});
  EXPECT_EQ(t.grant().size(), 1u);
  enqueue(t, build(2), {exclusive("cpu")});
  enqueue(t, build(3), {counting("cpu")});  // a slot is free, but build 2 asked first
  EXPECT_TRUE(t.grant().empty());
  t.release(build(1));
  EXPECT_EQ(t.grant(), Granted{build(2)});
  enqueue(t, build(4), {counting("cpu")});
  t.release(build(2));
  EXPECT_EQ(t.grant(), (Granted{build(3), build(4)}));
}

TEST(Locks, LaterWaiterOnOtherLocksIsNotHeldUp) {
  LockTable t(locks());
  enqueue(t, build(1), {exclusive("db")});
  EXPECT_EQ(t.grant().size(), 1u);
  enqueue(t, build(2), {exclusive("db")});
  enqueue(t, build(3), {exclusive("net")});
  EXPECT_EQ(t.grant(), Granted{build(3)});
}

TEST(Locks, LaterWaiterSharingALockWithABlockedEarlierOneWaits) {
  LockTable t(locks());
  enqueue(t, build(1), {exclusive("db")});
  EXPECT_EQ(t.grant().size(), 1u);
  enqueue(t, build(2), {exclusive("db"), exclusive("net")});  // waits on db
  enqueue(t, build(3), {exclusive("net")});                   // net is free, but 2 asked first
  EXPECT_TRUE(t.grant().empty());
  t.release(build(1));
  EXPECT_EQ(t.grant(), Granted{build(2)});
}

TEST(Locks, CancelLeavesTheQueueAndUnblocksLaterWaiters) {
  LockTable t(locks());
  enqueue(t, build(1), {counting("cpu")});
  EXPECT_EQ(t.grant().size(), 1u);
  enqueue(t, build(2), {exclusive("cpu")});
  enqueue(t, build(3), {counting("cpu")});
  EXPECT_TRUE(t.grant().empty());
  EXPECT_TRUE(t.cancel(build(2)));
  EXPECT_FALSE(t.cancel(build(2)));
  EXPECT_EQ(t.waiters(), Granted{build(3)});
  EXPECT_EQ(t.grant(), Granted{build(3)});
}

TEST(Locks, ReleaseOfNothingAndEmptySets) {
  LockTable t(locks());
  EXPECT_TRUE(t.release(build(9)).empty());
  enqueue(t, build(1), {});
  EXPECT_EQ(t.grant(), Granted{build(1)});
  EXPECT_FALSE(t.holds(build(1)));
}

TEST(Locks, EnqueueErrors) {
  LockTable t(locks());
  auto unknown = t.enqueue(build(1), {exclusive("nope")}, "s1");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, LockErrc::unknown_lock);
  auto no_slave = t.enqueue(build(1), {exclusive("disk")}, "");
  ASSERT_FALSE(no_slave);
  EXPECT_EQ(no_slave.error().code, LockErrc::no_slave);
  enqueue(t, build(1), {exclusive("db")});
  auto twice = t.enqueue(build(1), {exclusive("db")}, "s1");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, LockErrc::already_waiting);
  t.grant();
  auto holding = t.enqueue(build(1), {exclusive("net")}, "s1");
  ASSERT_FALSE(holding);
  EXPECT_EQ(holding.error().code, LockErrc::already_holding);
  // A step of build 1 asking for the lock its build holds would wait for itself.
  auto own = t.enqueue(WaiterId::step("b", 1, 0), {counting("db")}, "s1");
  ASSERT_FALSE(own);
  EXPECT_EQ(own.error().code, LockErrc::conflicts_with_own);
  EXPECT_TRUE(t.waiters().empty());
}

TEST(Locks, StepsOfABuildWaitAsTheirOwnWaiters) {
  LockTable t(locks());
  enqueue(t, build(1), {counting("cpu")});
  EXPECT_EQ(t.grant().size(), 1u);
  const auto step = WaiterId::step("b", 1, 2);
  enqueue(t, step, {counting("cpu"), exclusive("db")});
  EXPECT_EQ(t.grant(), Granted{step});
  EXPECT_EQ(t.release(step).size(), 2u);
  EXPECT_TRUE(t.holds(build(1)));  // the build keeps its own
}

TEST(Locks, DuplicateUsesCountOnceExclusiveWins) {
  LockTable t(locks());
  enqueue(t, build(1), {counting("cpu"), exclusive("cpu")});
  EXPECT_EQ(t.grant().size(), 1u);
  EXPECT_EQ(t.held_by(build(1)), (std::vector<HeldLock>{HeldLock{LockCopy{"cpu", ""}, true}}));
}

// ---------------------------------------------------------------------------------
// Events and the fold
// ---------------------------------------------------------------------------------

TEST(LocksFold, EventsRebuildHoldersAfterARestart) {
  LockTable before(locks(), "m1");
  enqueue(before, build(1), {exclusive("db"), counting("disk")}, "s1");
  ASSERT_EQ(before.grant().size(), 1u);
  auto acquired = lock_acquired_events(build(1), before.held_by(build(1)), "m1");
  ASSERT_EQ(acquired.size(), 2u);
  EXPECT_EQ(acquired[0].stream(), streams::build("b", 1));
  EXPECT_EQ(acquired[0].lock_acquired().step_index(), -1);
  EXPECT_EQ(acquired[1].lock_acquired().slave(), "s1");
  EXPECT_FALSE(acquired[1].lock_acquired().exclusive());

  LockTable after(locks(), "m1");
  for (const auto& e : acquired) after.evolve(e);
  EXPECT_EQ(after.held_by(build(1)), before.held_by(build(1)));
  enqueue(after, build(2), {exclusive("db")});
  EXPECT_TRUE(after.grant().empty());              // rebuilt holder still excludes
  for (const auto& e : acquired) after.evolve(e);  // folding twice changes nothing
  EXPECT_EQ(after.held_by(build(1)).size(), 2u);

  auto released = lock_released_events(build(1), after.release(build(1)), "m1");
  ASSERT_EQ(released.size(), 2u);
  LockTable replay(locks(), "m1");
  for (const auto& e : acquired) replay.evolve(e);
  for (const auto& e : released) replay.evolve(e);
  EXPECT_FALSE(replay.holds(build(1)));
  EXPECT_TRUE(replay.holders(LockCopy{"db", ""}).empty());
}

TEST(LocksFold, OnlyThisMastersEventsCount) {
  LockTable t(locks(), "m1");
  LockTable theirs(locks(), "m2");
  enqueue(theirs, build(1), {exclusive("db")});
  theirs.grant();
  for (const auto& e : lock_acquired_events(build(1), theirs.held_by(build(1)), "m2")) {
    t.evolve(e);
  }
  EXPECT_FALSE(t.holds(build(1)));
  LockTable all(locks());
  for (const auto& e : lock_acquired_events(build(1), theirs.held_by(build(1)), "m2")) {
    all.evolve(e);
  }
  EXPECT_TRUE(all.holds(build(1)));
}

TEST(LocksFold, BuildFinishedReleasesAndDequeuesTheWholeBuild) {
  LockTable t(locks());
  enqueue(t, build(1), {exclusive("db")});
  t.grant();
  enqueue(t, WaiterId::step("b", 1, 3), {exclusive("net")});
  enqueue(t, build(2), {exclusive("db")});
  events::Envelope finished;
  finished.mutable_build_finished()->set_builder("b");
  finished.mutable_build_finished()->set_number(1);
  // The step's waiter is granted net first, so it holds something too.
  EXPECT_EQ(t.grant(), Granted{WaiterId::step("b", 1, 3)});
  t.evolve(finished);
  EXPECT_FALSE(t.holds(build(1)));
  EXPECT_FALSE(t.holds(WaiterId::step("b", 1, 3)));
  EXPECT_EQ(t.grant(), Granted{build(2)});
}

}  // namespace
}  // namespace eventbot::builders
