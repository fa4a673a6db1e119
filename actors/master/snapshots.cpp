#include "actors/master/snapshots.hpp"

#include <spdlog/spdlog.h>

#include "events/snapshots.pb.h"

namespace eventbot::master {

void save_scheduler_snapshot(store::SnapshotStore& store, const schedulers::SchedulerCore& core,
                             std::uint64_t sequence) {
  auto saved = store.save_snapshot(scheduler_projection(core.name()),
                                   store::Snapshot{Sequence(sequence), core.snapshot()});
  if (!saved) {
    spdlog::warn("scheduler {}: saving its snapshot at {} failed: {}", core.name(), sequence,
                 saved.error().message);
  }
}

std::uint64_t load_scheduler_snapshot(store::SnapshotStore& store, schedulers::SchedulerCore& core,
                                      std::uint64_t at_most) {
  auto loaded = store.load_snapshot(scheduler_projection(core.name()));
  if (!loaded) {
    spdlog::warn("scheduler {}: loading its snapshot failed ({}); folding the log from the start",
                 core.name(), loaded.error().message);
    return 0;
  }
  if (!*loaded) return 0;
  auto sequence = (*loaded)->sequence.value();
  if (sequence == 0 || sequence > at_most) {
    spdlog::warn("scheduler {}: its snapshot at {} is beyond the log ({}); folding from the start",
                 core.name(), sequence, at_most);
    return 0;
  }
  if (auto restored = core.restore((*loaded)->state); !restored) {
    spdlog::info("{}; folding the log from the start", restored.error().message);
    return 0;
  }
  spdlog::info("scheduler {}: restored from its snapshot at {}", core.name(), sequence);
  return sequence;
}

void save_supervisor_snapshot(store::SnapshotStore& store, const SupervisorFold& fold,
                              std::uint64_t sequence) {
  auto saved = store.save_snapshot(
      kSupervisorProjection, store::Snapshot{Sequence(sequence), encode_supervisor_snapshot(fold)});
  if (!saved) {
    spdlog::warn("saving the supervisor's snapshot at {} failed: {}", sequence,
                 saved.error().message);
  }
}

std::optional<std::pair<SupervisorFold, std::uint64_t>> load_supervisor_snapshot(
    store::SnapshotStore& store, std::uint64_t at_most) {
  auto loaded = store.load_snapshot(kSupervisorProjection);
  if (!loaded) {
    spdlog::warn("loading the supervisor's snapshot failed: {}", loaded.error().message);
    return std::nullopt;
  }
  if (!*loaded) return std::nullopt;
  auto sequence = (*loaded)->sequence.value();
  snapshots::SupervisorSnapshot in;
  if (sequence == 0 || sequence > at_most || !in.ParseFromString((*loaded)->state) ||
      in.format() != kSupervisorSnapshotFormat) {
    spdlog::info("the supervisor's snapshot is refused; folding the log from the start");
    return std::nullopt;
  }
  return std::make_pair(
      SupervisorFold{in.last_buildset_id(), in.last_request_id(), in.last_change_id()}, sequence);
}

}  // namespace eventbot::master
