#pragma once
// The changes a change-driven scheduler (SingleBranch, AnyBranch, Nightly with
// only_if_changed) holds, as a pure fold:
//   - retained: changes it accepts that it has not classified yet (after a crash, Start
//     considers them);
//   - pending: changes it classified that no buildset of its own has included yet.
// A change is "considered" once its id is at or below the start mark or a classified id
// (the actor considers changes in id order), so deciding again never classifies twice.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "events/events.pb.h"

namespace eventbot::snapshots {
class ChangeTrackerState;  // events/snapshots.proto
}  // namespace eventbot::snapshots

namespace eventbot::schedulers {

// What a buildset needs from a change; the files are judged once, when it is folded.
struct ChangeRecord {
  std::uint64_t id = 0;
  std::int64_t time_us = 0;  // the time of its ChangeAdded envelope
  bool important = true;
  std::string branch;
  std::string repository;
  std::string project;
  std::string codebase;
  std::string revision;
  std::vector<events::Property> properties;
};

ChangeRecord make_change_record(std::uint64_t id, std::int64_t time_us,
                                const events::ChangeAdded& change, bool important);

class ChangeTracker {
 public:
  // An accepted change from the log.
  void retain(ChangeRecord record);
  // The start mark: changes up to `change_id` never build.
  void start_at(std::uint64_t change_id);
  void classified(std::uint64_t id, bool important);
  // A buildset of the scheduler included these changes.
  void built(const std::vector<std::uint64_t>& ids);

  bool considered(std::uint64_t id) const { return id <= considered_through_; }
  // Retained changes, in id order.
  std::vector<ChangeRecord> unconsidered() const;
  // Pending changes, in id order; with a branch, only those on it.
  std::vector<const ChangeRecord*> pending() const;
  std::vector<const ChangeRecord*> pending_on(const std::string& branch) const;

  // Snapshots: the whole tracker, and back.
  void save(snapshots::ChangeTrackerState& out) const;
  static ChangeTracker load(const snapshots::ChangeTrackerState& in);

 private:
  std::uint64_t considered_through_ = 0;
  std::map<std::uint64_t, ChangeRecord> retained_;
  std::map<std::uint64_t, ChangeRecord> pending_;
};

// True if one of the changes is important.
bool any_important(const std::vector<const ChangeRecord*>& changes);
// The source stamp of a buildset of these changes (id order): the newest one's branch,
// repository, project, codebase and revision, and every change's id.
events::SourceStamp sourcestamp_of(const std::vector<const ChangeRecord*>& changes);

}  // namespace eventbot::schedulers
