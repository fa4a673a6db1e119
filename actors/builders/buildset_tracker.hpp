#pragma once
// When a buildset is complete: the one rule the distributor actor (which records
// BuildsetCompleted) and the replay tool (which shows open buildsets) share. Pure: it
// folds the event order and says which buildsets have no open request left, with the
// worst result of their requests and what the completion is caused by.
//
// A buildset is complete once its BuildsetSubmitted is folded and every request it lists
// (or, in logs older than that list, every BuildRequestSubmitted naming it) has a
// BuildRequestCompleted or BuildRequestCancelled (CANCELLED). Its result is the worst of
// those results. BuildsetCompleted ends the tracking of a buildset.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "common/strong_type.hpp"
#include "events/causes.hpp"
#include "events/events.pb.h"

namespace eventbot::snapshots {
class BuildsetTrackerState;  // events/snapshots.proto
}  // namespace eventbot::snapshots

namespace eventbot::builders {

struct TrackedBuildset {
  std::uint64_t id = 0;
  std::set<std::uint64_t> open;  // requests not completed or cancelled
  events::Result result = events::SUCCESS;
  bool submitted = false;      // its BuildsetSubmitted is folded
  std::uint64_t version = 0;   // of its stream buildset/<id>, as folded
  events::Cause submitted_by;  // its BuildsetSubmitted
  events::Cause last_ended;    // the event that ended its last request so far

  bool complete() const { return submitted && open.empty(); }
};

// A BuildsetCompleted to record: appended expecting the buildset's stream at `version`,
// so two masters cannot both record it; caused by the end of its last request.
struct BuildsetCompletion {
  std::uint64_t id = 0;
  events::Result result = events::SUCCESS;
  StreamVersion version;
  events::Cause cause;
};

class BuildsetTracker {
 public:
  // Folds one event of the event order, in sequence order.
  void evolve(const events::Envelope& event);

  // The buildsets that became complete since the last call and whose completion is not
  // folded yet, each returned once.
  std::vector<BuildsetCompletion> take_ready();

  // Every buildset not completed yet (BuildsetCompleted not folded), by id; a buildset
  // appears once its BuildsetSubmitted or one of its requests is folded.
  const std::map<std::uint64_t, TrackedBuildset>& open() const { return buildsets_; }
  // The BuildRequestSubmitted of a request not ended yet.
  std::optional<events::Cause> request_submitted(std::uint64_t request_id) const;

  // The fold as a snapshot, and back into a fresh tracker.
  void save(snapshots::BuildsetTrackerState& out) const;
  void restore(const snapshots::BuildsetTrackerState& in);

  // The BuildsetCompleted event of a completion (stream, body and links set).
  static events::Envelope completed_event(const BuildsetCompletion& completion);

 private:
  struct OpenRequest {
    std::uint64_t buildset = 0;
    events::Cause submitted;
  };
  void ended(const events::Envelope& event, std::uint64_t request_id, events::Result result);

  std::map<std::uint64_t, TrackedBuildset> buildsets_;
  std::map<std::uint64_t, OpenRequest> requests_;  // open request -> its buildset
  std::set<std::uint64_t> ready_;  // buildsets whose last open request ended since the last look
};

}  // namespace eventbot::builders
