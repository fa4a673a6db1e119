#pragma once
// The supervisor's own fold of the log (projection "supervisor", snapshots.hpp): pure, so
// that the supervisor and `eventbot-replay verify` (which checks a saved snapshot against
// a fold from the start) fold and encode it with the same code.
#include <algorithm>
#include <cstdint>
#include <string>

#include "events/events.pb.h"
#include "events/snapshots.pb.h"
#include "events/streams.hpp"

namespace eventbot::master {

// The format of the supervisor's snapshot; bump it when its encoding changes meaning.
inline constexpr std::uint32_t kSupervisorSnapshotFormat = 1;

struct SupervisorFold {
  std::uint64_t last_buildset_id = 0;
  std::uint64_t last_request_id = 0;
  std::uint64_t last_change_id = 0;
};

// Folds one event: the largest buildset and build request ids, the `changes` version.
inline void fold_supervisor(SupervisorFold& fold, const events::Envelope& event) {
  if (event.has_buildset_submitted()) {
    fold.last_buildset_id =
        std::max(fold.last_buildset_id, event.buildset_submitted().buildset_id());
  } else if (event.has_build_request_submitted()) {
    fold.last_request_id =
        std::max(fold.last_request_id, event.build_request_submitted().request_id());
  }
  if (event.stream() == streams::changes()) fold.last_change_id = event.stream_version();
}

// The snapshot's encoding (events/snapshots.proto, SupervisorSnapshot).
inline std::string encode_supervisor_snapshot(const SupervisorFold& fold) {
  snapshots::SupervisorSnapshot out;
  out.set_format(kSupervisorSnapshotFormat);
  out.set_last_buildset_id(fold.last_buildset_id);
  out.set_last_request_id(fold.last_request_id);
  out.set_last_change_id(fold.last_change_id);
  return out.SerializeAsString();
}

}  // namespace eventbot::master
