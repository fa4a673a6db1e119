#pragma once
// Buildbot's Interlocks as a pure table: which builds (or steps) hold which locks, and
// who waits for them. No CAF, no I/O: the actor enqueues waiters, calls grant() after
// every change, appends lock_acquired_events() for each newly granted waiter and
// lock_released_events() of release(), and folds the log with evolve().
//
// Rules (README.md, "Locks"):
//   - a master lock is one lock; a slave lock has one copy per slave, independent;
//   - counting access takes one of max_count slots (max_count_for_slave overrides it for
//     one slave's copy); exclusive access takes the whole lock (no other holder at all);
//   - a waiter asks for a set of uses at once and gets all of them or none: it never holds
//     part of its set while it waits, so waiters cannot deadlock each other;
//   - waiters are served first come, first served per lock copy: a waiter is not granted
//     while an earlier waiter that wants one of the same copies still waits, so a stream
//     of counting waiters cannot starve an exclusive one.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/config/master_config.hpp"
#include "common/expected.hpp"
#include "events/events.pb.h"

namespace eventbot::snapshots {
class LockTableState;  // events/snapshots.proto
}  // namespace eventbot::snapshots

namespace eventbot::builders {

// Who holds or waits: a whole build (step_index -1, as LockAcquired.step_index) or one
// step of it.
struct WaiterId {
  std::string builder;
  std::uint32_t build_number = 0;
  std::int32_t step_index = -1;

  static WaiterId build(std::string builder, std::uint32_t number) {
    return WaiterId{std::move(builder), number, -1};
  }
  static WaiterId step(std::string builder, std::uint32_t number, std::int32_t index) {
    return WaiterId{std::move(builder), number, index};
  }
  auto operator<=>(const WaiterId&) const = default;
};

// One lock, or one slave's copy of a slave lock (slave empty for master locks).
struct LockCopy {
  std::string lock;
  std::string slave;
  auto operator<=>(const LockCopy&) const = default;
};

struct HeldLock {
  LockCopy copy;
  bool exclusive = false;
  bool operator==(const HeldLock&) const = default;
};

enum class LockErrc {
  unknown_lock,       // not in the configuration's `locks:`
  no_slave,           // a slave lock asked for without a slave
  already_waiting,    // the waiter is queued already
  already_holding,    // the waiter holds locks (after a restart: keep them)
  conflicts_with_own  // the same build holds a copy this set wants, and one side is exclusive
};

struct LockError {
  LockErrc code = LockErrc::unknown_lock;
  std::string message;
};

class LockTable {
 public:
  // master_id: only LockAcquired/LockReleased appended by this master are folded (a
  // master lock is the master's, as in Buildbot). Empty: events of every master.
  explicit LockTable(std::vector<config::LockConfig> locks, std::string master_id = "");
  LockTable() = default;  // no locks: every use is unknown

  // Queues a waiter for a set of uses; `slave` is the build's slave (whose copies of
  // slave locks it wants). A lock named twice counts once, exclusive if either is.
  // An empty set is granted by the next grant().
  Expected<Ok, LockError> enqueue(const WaiterId& waiter, const std::vector<config::LockUse>& uses,
                                  const std::string& slave);
  // Grants every waiter whose whole set is free now, in FIFO order with the fairness
  // rule above; marks them holding and returns them in the order granted.
  std::vector<WaiterId> grant();
  // Gives back everything the waiter holds; returns what it held. Call grant() after.
  std::vector<HeldLock> release(const WaiterId& waiter);
  // Takes a waiter out of the queue (a build stopped while waiting); false if not queued.
  bool cancel(const WaiterId& waiter);

  // The same holders under a new configuration (a reconfig): who holds what is the
  // truth of this table (its fold of the log plus the grants not yet folded back), so it
  // is kept as it is, even for a lock the new configuration drops or shrinks (its holders
  // keep it until they release it). The queue starts empty: the caller enqueues its live
  // waiters again, in the order waiters() gives, so each keeps its place.
  LockTable reconfigured(std::vector<config::LockConfig> locks) const;

  // The holders as a snapshot (the queue is live: never saved), and back into a table
  // with no holders yet: false, with the table untouched, when the snapshot was folded
  // under other lock types (a slave lock's copy is per slave, a master lock's is not).
  void save(snapshots::LockTableState& out) const;
  bool restore(const snapshots::LockTableState& in);

  // LockAcquired (adds a holder; idempotent), LockReleased (removes that copy),
  // BuildFinished (releases and dequeues everything of that build, a safety net).
  void evolve(const events::Envelope& event);

  // Queries.
  bool holds(const WaiterId& waiter) const { return held_.contains(waiter); }
  bool waiting(const WaiterId& waiter) const;
  std::vector<HeldLock> held_by(const WaiterId& waiter) const;
  std::vector<WaiterId> holders(const LockCopy& copy) const;
  std::vector<WaiterId> waiters() const;  // first come first
  // Slots of a copy for counting access (max_count, or max_count_for_slave); 0 for a lock
  // not configured.
  int capacity(const LockCopy& copy) const;

 private:
  struct Waiter {
    WaiterId id;
    std::vector<HeldLock> wants;
  };
  bool available(const HeldLock& want) const;
  void take(const WaiterId& id, const HeldLock& lock);
  void drop(const WaiterId& id, const LockCopy& copy);

  std::map<std::string, config::LockConfig, std::less<>> locks_;
  std::string master_id_;
  std::vector<Waiter> queue_;
  std::map<WaiterId, std::vector<HeldLock>> held_;
  std::map<LockCopy, std::map<WaiterId, bool>> holders_;  // copy -> holder -> exclusive
};

// LockAcquired for each lock, on the build's stream, with master_id (the actor appends
// them once grant() returned the waiter).
std::vector<events::Envelope> lock_acquired_events(const WaiterId& waiter,
                                                   const std::vector<HeldLock>& locks,
                                                   const std::string& master_id);
// LockReleased for each lock release() returned.
std::vector<events::Envelope> lock_released_events(const WaiterId& waiter,
                                                   const std::vector<HeldLock>& locks,
                                                   const std::string& master_id);

}  // namespace eventbot::builders
