#pragma once
// The read models' snapshots in the store (projection "gateway/readmodel"), as the
// schedulers' (actors/master/snapshots.hpp): start-up restores the latest one it accepts
// and folds only the log after it; the gateway saves one every `snapshot_every` events
// folded and when it stops. A snapshot is a cache: a missing or refused one (another
// format, bytes that do not parse, a sequence beyond the log) means folding the whole log,
// which gives the same models. The configuration is not part of it (configure() is
// applied after the fold), so a changed configuration does not refuse it.
#include <cstdint>
#include <string>

#include "common/expected.hpp"
#include "gateway/readmodel/read_model.hpp"
#include "store/event_log.hpp"
#include "store/snapshot_store.hpp"

namespace eventbot::gateway::readmodel {

inline constexpr char kReadModelProjection[] = "gateway/readmodel";

// Fills a fresh `model` with the log up to `folded`: from the snapshot when `snapshots`
// has one it accepts, then the events after it. Returns the snapshot's sequence (0: the
// whole log was folded).
Expected<std::uint64_t, std::string> fold_read_model(store::EventLog& log,
                                                     store::SnapshotStore* snapshots,
                                                     std::uint64_t folded, ReadModel& model);

// Saves the model's snapshot as of model.folded(); false (logged) if the store refused it.
bool save_read_model(store::SnapshotStore& snapshots, const ReadModel& model);

}  // namespace eventbot::gateway::readmodel
