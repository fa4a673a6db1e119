#pragma once
// The folds behind the master's projection snapshots (store/snapshot_store.hpp), made
// fresh so that `eventbot-replay verify` can fold the log from its first event and compare
// the result with each snapshot the master saved: a snapshot that differs shows a fold
// that is not deterministic (or a damaged snapshot).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "events/events.pb.h"
#include "store/event_log.hpp"

namespace eventbot::replay {

// A projection's fold: fed every event from the first on, in order; snapshot() encodes
// what it has folded as the projection itself encodes its snapshot.
class ProjectionFold {
 public:
  virtual ~ProjectionFold() = default;
  virtual void evolve(const events::Envelope& event) = 0;
  virtual std::string snapshot() const = 0;
};

// The fold that checks one saved snapshot, or why it cannot be checked.
struct FoldForSnapshot {
  std::unique_ptr<ProjectionFold> fold;
  std::string not_checked;  // set when `fold` is null
};

// Makes the fold for the snapshot of `projection` saved at `sequence`.
using FoldMaker = std::function<FoldForSnapshot(const std::string& projection,
                                                std::uint64_t sequence, store::EventLog& log)>;

// The master's own projections: "supervisor" and "scheduler/<name>" (each scheduler's
// core made from the configuration recorded at or before the snapshot, as a master
// started then would make it). Any other name: not checked.
FoldForSnapshot master_fold_for(const std::string& projection, std::uint64_t sequence,
                                store::EventLog& log);

// `extra` (projection name prefix -> maker) first, then master_fold_for.
FoldForSnapshot fold_for(const std::map<std::string, FoldMaker>& extra,
                         const std::string& projection, std::uint64_t sequence,
                         store::EventLog& log);

}  // namespace eventbot::replay
