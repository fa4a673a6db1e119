#pragma once
// The master's projection snapshots (store/snapshot_store.hpp): what they are called, how
// often they are saved, and their encoding for the supervisor's own fold. A snapshot is
// a cache: a missing or refused one means folding from the start of the log instead.
//
//   "scheduler/<name>"  SchedulerCore::snapshot() of one scheduler, saved by its actor
//                       (which knows the sequence its core has folded up to) every
//                       snapshot_every events folded and when it stops; refused on
//                       load if its format or the scheduler's configuration changed.
//   "supervisor"        the supervisor's fold: the largest buildset and build request
//                       ids and the version of the `changes` stream, saved by the
//                       supervisor on the same schedule.
#include <cstdint>
#include <optional>
#include <string>

#include "actors/master/supervisor_fold.hpp"
#include "actors/schedulers/scheduler_core.hpp"
#include "store/snapshot_store.hpp"

namespace eventbot::master {

// Save a projection's snapshot once it has folded this many events since its last one.
inline constexpr std::uint64_t kSnapshotEvery = 100'000;
// Setting this environment variable to "0" turns snapshots off (no load, no save), as
// MasterOptions::use_snapshots = false does; for benchmarks and comparisons.
inline constexpr char kSnapshotsEnv[] = "EVENTBOT_SNAPSHOTS";
inline constexpr char kSupervisorProjection[] = "supervisor";

// "scheduler/<name>".
inline std::string scheduler_projection(const std::string& name) {
  return "scheduler/" + name;
}

// Saves the core's snapshot as of `sequence` (the core has folded exactly the log up to
// it). Failures are logged: a snapshot is only a cache.
void save_scheduler_snapshot(store::SnapshotStore& store, const schedulers::SchedulerCore& core,
                             std::uint64_t sequence);

// Restores `core` (fresh from its configuration) from its saved snapshot if there is one
// it accepts, taken at or before `at_most`; returns the sequence it is restored at, or 0
// with the core untouched (fold from the start).
std::uint64_t load_scheduler_snapshot(store::SnapshotStore& store, schedulers::SchedulerCore& core,
                                      std::uint64_t at_most);

void save_supervisor_snapshot(store::SnapshotStore& store, const SupervisorFold& fold,
                              std::uint64_t sequence);
// The saved fold and its sequence (at or before `at_most`), if there is one it accepts.
std::optional<std::pair<SupervisorFold, std::uint64_t>> load_supervisor_snapshot(
    store::SnapshotStore& store, std::uint64_t at_most);

}  // namespace eventbot::master
