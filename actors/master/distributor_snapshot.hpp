#pragma once
// The distributor's snapshot, projection "distributor" (snapshots.hpp has the others):
// its core's fold, its lock table's holders, its buildset tracker, the running builds'
// causes and the slaves shutting down, as of the sequence it has folded up to. Saved by
// the distributor every snapshot_every events folded and when it stops; refused (fold
// from the start) when its format, its master or its lock types differ.
#include <cstdint>
#include <string>

#include "actors/master/distributor_actor.hpp"
#include "store/snapshot_store.hpp"

namespace eventbot::master {

inline constexpr char kDistributorProjection[] = "distributor";
// Bump when the encoding changes meaning (events/snapshots.proto, DistributorSnapshot).
inline constexpr std::uint32_t kDistributorSnapshotFormat = 1;

// The folds of `state` encoded (events/snapshots.proto, DistributorSnapshot).
std::string encode_distributor_folds(const DistributorState& state);
// Decodes them into `state`, whose core and lock table are fresh from the configuration;
// false, with `state` untouched, for bytes it refuses.
bool decode_distributor_folds(const std::string& bytes, DistributorState& state);

// Saves the snapshot as of `sequence`; a failure is logged (a snapshot is only a cache).
void save_distributor_snapshot(store::SnapshotStore& store, const DistributorState& state,
                               std::uint64_t sequence);
// Restores `state` from its snapshot taken at or before `at_most`; the sequence it is
// restored at, or 0 with `state` untouched.
std::uint64_t load_distributor_snapshot(store::SnapshotStore& store, DistributorState& state,
                                        std::uint64_t at_most);

}  // namespace eventbot::master
