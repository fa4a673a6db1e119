#include "actors/master/distributor_snapshot.hpp"

#include <spdlog/spdlog.h>

#include "events/snapshots.pb.h"

namespace eventbot::master {

std::string encode_distributor_folds(const DistributorState& state) {
  snapshots::DistributorSnapshot out;
  out.set_format(kDistributorSnapshotFormat);
  state.core->save(*out.mutable_core());
  state.locks.save(*out.mutable_locks());
  state.buildsets.save(*out.mutable_buildsets());
  for (const auto& [key, causes] : state.build_causes) {
    auto& record = *out.add_build_causes();
    record.set_builder(key.first);
    record.set_number(key.second);
    causes.save(record);
  }
  for (const auto& slave : state.shutting_down) out.add_shutting_down(slave);
  std::string bytes;
  out.SerializeToString(&bytes);
  return bytes;
}

bool decode_distributor_folds(const std::string& bytes, DistributorState& state) {
  snapshots::DistributorSnapshot in;
  if (!in.ParseFromString(bytes) || in.format() != kDistributorSnapshotFormat) return false;
  auto core = std::make_unique<builders::DistributorCore>(*state.config, state.context.master_id);
  auto locks = builders::LockTable(state.config->locks, state.context.master_id);
  if (!locks.restore(in.locks()) || !core->restore(*in.mutable_core())) return false;
  builders::BuildsetTracker buildsets;
  buildsets.restore(in.buildsets());
  state.core = std::move(core);
  state.locks = std::move(locks);
  state.buildsets = std::move(buildsets);
  state.build_causes.clear();
  for (const auto& record : in.build_causes()) {
    state.build_causes[{record.builder(), record.number()}] = builds::BuildCauses::restored(record);
  }
  state.shutting_down = {in.shutting_down().begin(), in.shutting_down().end()};
  return true;
}

void save_distributor_snapshot(store::SnapshotStore& store, const DistributorState& state,
                               std::uint64_t sequence) {
  auto saved = store.save_snapshot(
      kDistributorProjection, store::Snapshot{Sequence(sequence), encode_distributor_folds(state)});
  if (!saved) {
    spdlog::warn("distributor: saving its snapshot at {} failed: {}", sequence,
                 saved.error().message);
  }
}

std::uint64_t load_distributor_snapshot(store::SnapshotStore& store, DistributorState& state,
                                        std::uint64_t at_most) {
  auto loaded = store.load_snapshot(kDistributorProjection);
  if (!loaded) {
    spdlog::warn("distributor: loading its snapshot failed ({}); folding the log from the start",
                 loaded.error().message);
    return 0;
  }
  if (!*loaded) return 0;
  auto sequence = (*loaded)->sequence.value();
  if (sequence == 0 || sequence > at_most) {
    spdlog::warn("distributor: its snapshot at {} is beyond the log ({}); folding from the start",
                 sequence, at_most);
    return 0;
  }
  if (!decode_distributor_folds((*loaded)->state, state)) {
    spdlog::info(
        "distributor: its snapshot is refused (another format, master or lock types); "
        "folding the log from the start");
    return 0;
  }
  spdlog::info("distributor: restored from its snapshot at {}", sequence);
  return sequence;
}

}  // namespace eventbot::master
