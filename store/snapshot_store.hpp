#pragma once
// Projection snapshots: a projection's state as of a sequence, so that a restart folds
// only the events after it. A snapshot is a cache: without it the fold gives the same
// state, only slower.
#include <optional>
#include <string>
#include <string_view>

#include "common/strong_type.hpp"
#include "store/store_error.hpp"

namespace eventbot::store {

struct Snapshot {
  Sequence sequence;  // the state includes every event up to and including this one
  std::string state;  // the projection's own encoding
};

class SnapshotStore {
 public:
  virtual ~SnapshotStore() = default;
  virtual StoreResult<Ok> save_snapshot(std::string_view projection, const Snapshot& snapshot) = 0;
  virtual StoreResult<std::optional<Snapshot>> load_snapshot(std::string_view projection) = 0;
  // Forgets the projection's snapshot (absent already: fine); its next start folds the log.
  virtual StoreResult<Ok> delete_snapshot(std::string_view projection) = 0;
};

}  // namespace eventbot::store
