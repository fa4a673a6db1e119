#pragma once
// The gateway's read models: what the /api/v2 resources answer from memory, folded from
// the event order (evolve) in sequence order, with no I/O. A build's steps and logs are
// not kept here: they are folded from the build's own stream when asked for
// (build_detail.hpp), so memory grows with the number of builds, not of steps.
//
// Ids are Buildbot's integers. Requests, buildsets and changes keep the ids the log gave
// them; builders, builds, workers, masters and schedulers are numbered 1, 2, ... in the
// order the fold first meets them, so a restart (the same fold) gives the same ids.
// Names only the configuration knows (a builder that never built) are numbered after
// them when configure() is called.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "events/events.pb.h"

namespace eventbot::gateway::readmodel {

using Id = std::uint64_t;

struct BuilderEntry {
  Id builderid = 0;
  std::string name;
  std::string description;
  std::vector<std::string> tags;
  bool configured = false;  // in the configuration in force
  std::vector<Id> masterids;
  std::vector<Id> workerids;  // the slaves it may run on (configuration)
  // (number, buildid) in number order: builders/N/builds and the last build.
  std::vector<std::pair<std::uint32_t, Id>> builds;
  // The order in which the log first met it (1, 2, ...); 0: only the configuration names it.
  std::uint64_t met = 0;
};

struct BuildEntry {
  Id buildid = 0;
  Id builderid = 0;
  std::uint32_t number = 0;
  Id buildrequestid = 0;  // the first request it builds
  Id workerid = 0;
  Id masterid = 0;
  std::int64_t started_us = 0;
  std::int64_t complete_us = 0;
  std::optional<int> results;  // unset: running
  std::string state_string;
  std::uint64_t sequence = 0;  // of its BuildStarted
};

struct RequestEntry {
  Id buildrequestid = 0;
  Id buildsetid = 0;
  Id builderid = 0;
  std::int32_t priority = 0;
  std::int64_t submitted_us = 0;
  bool claimed = false;
  std::int64_t claimed_us = 0;
  Id claimed_by_masterid = 0;
  bool complete = false;
  std::int64_t complete_us = 0;
  std::optional<int> results;
};

struct SourceStampEntry {
  std::string codebase, repository, project, branch, revision;
};

struct BuildsetEntry {
  Id bsid = 0;
  std::string reason;
  std::string external_idstring;
  Id parent_buildsetid = 0;
  std::string scheduler;
  std::int64_t submitted_us = 0;
  bool complete = false;
  std::int64_t complete_us = 0;
  std::optional<int> results;
  std::vector<SourceStampEntry> sourcestamps;
};

struct ChangeEntry {
  Id changeid = 0;
  std::string author, branch, category, codebase, comments, project, repository, revision, revlink;
  std::vector<std::string> files;
  std::int64_t when_us = 0;
  std::vector<std::pair<std::string, std::string>> properties;  // name, value as JSON text
};

struct WorkerEntry {
  Id workerid = 0;
  std::string name;
  bool configured = false;
  bool connected = false;
  Id connected_masterid = 0;
  bool graceful = false;
  std::string host, admin, os, version;
  // The order in which the log first met it (1, 2, ...); 0: only the configuration names it.
  std::uint64_t met = 0;
};

struct MasterEntry {
  Id masterid = 0;
  std::string name;
  bool active = false;
  std::int64_t last_active_us = 0;
  // The order in which the log first met it (1, 2, ...); 0: only the configuration names it.
  std::uint64_t met = 0;
};

struct SchedulerEntry {
  Id schedulerid = 0;
  std::string name;
  bool force = false;  // a force scheduler (also listed by /forceschedulers)
  std::vector<std::string> builder_names;
  std::string reason;  // force: the form's default reason
  bool configured = false;
};

// What configure() takes from master.yaml: what the log cannot say.
struct ConfiguredNames {
  struct Builder {
    std::string name, description;
    std::vector<std::string> tags;
    std::vector<std::string> workers;
  };
  std::string master_id;
  std::vector<Builder> builders;
  std::vector<std::string> workers;
  std::vector<SchedulerEntry> schedulers;  // ids ignored
};

// The format of ReadModel::snapshot(); bump it when its encoding changes meaning.
inline constexpr std::uint32_t kReadModelSnapshotFormat = 1;

class ReadModel {
 public:
  // Folds one event of the event order.
  void evolve(const events::Envelope& event);
  // The configuration in force (at start and after each reconfig).
  void configure(const ConfiguredNames& names);

  std::uint64_t folded() const { return folded_; }

  // Snapshots (read_model_snapshot.cpp): the part of the model the log decides, as of
  // folded(), in events/snapshots.proto's ReadModelSnapshot, numbered as a fold from the
  // start numbers it (a builder, worker or master configure() numbered before the log met
  // it takes the id of its place in the log). A restored model that folds the events
  // after it is the model a fold from the start gives; configure() is applied after.
  std::string snapshot() const;
  // A fresh model from a snapshot; none if it is not one this format reads.
  static std::optional<ReadModel> restore(std::string_view state);
  // The master this gateway runs in (configure's master_id); 0 before configure.
  Id serving_master() const { return serving_master_; }

  const std::vector<BuilderEntry>& builders() const { return builders_; }  // by id - 1
  const std::vector<BuildEntry>& builds() const { return builds_; }        // by id - 1
  const std::map<Id, RequestEntry>& requests() const { return requests_; }
  const std::map<Id, BuildsetEntry>& buildsets() const { return buildsets_; }
  const std::vector<ChangeEntry>& changes() const { return changes_; }  // by id - 1
  const std::vector<WorkerEntry>& workers() const { return workers_; }  // by id - 1
  const std::vector<MasterEntry>& masters() const { return masters_; }  // by id - 1
  const std::vector<SchedulerEntry>& schedulers() const { return schedulers_; }

  const BuilderEntry* builder(Id id) const;
  const BuilderEntry* builder_named(const std::string& name) const;
  const BuildEntry* build(Id id) const;
  const BuildEntry* build_of(const std::string& builder, std::uint32_t number) const;
  const WorkerEntry* worker(Id id) const;
  const std::string& builder_name(Id id) const;
  const std::string& worker_name(Id id) const;

  // Counts /metrics shows.
  std::size_t running_builds() const { return running_; }
  std::size_t pending_requests() const { return pending_; }
  std::size_t attached_workers() const;
  // Finished builds by result (Buildbot's numbers).
  const std::map<int, std::size_t>& finished_by_result() const { return finished_by_result_; }
  // When the pending request that has waited longest was submitted; none pending: nothing.
  std::optional<std::int64_t> oldest_pending_submitted_us() const;
  // Bytes of log output recorded (every LogChunk's size).
  std::uint64_t log_bytes() const { return log_bytes_; }

 private:
  // from_log: the log names it (not only the configuration).
  Id builder_id(const std::string& name, bool from_log = true);
  Id worker_id(const std::string& name, bool from_log = true);
  Id master_id(const std::string& name, bool from_log = true);
  BuildEntry* mutable_build(const std::string& builder, std::uint32_t number);

  std::uint64_t folded_ = 0;
  Id serving_master_ = 0;
  std::vector<BuilderEntry> builders_;
  std::map<std::string, Id, std::less<>> builder_ids_;
  std::vector<BuildEntry> builds_;
  std::map<Id, RequestEntry> requests_;
  std::map<Id, BuildsetEntry> buildsets_;
  std::vector<ChangeEntry> changes_;
  std::vector<WorkerEntry> workers_;
  std::map<std::string, Id, std::less<>> worker_ids_;
  std::vector<MasterEntry> masters_;
  std::map<std::string, Id, std::less<>> master_ids_;
  std::vector<SchedulerEntry> schedulers_;
  std::map<std::string, Id, std::less<>> scheduler_ids_;
  std::size_t running_ = 0;
  std::size_t pending_ = 0;
  std::map<int, std::size_t> finished_by_result_;
  std::set<Id> pending_ids_;  // requests submitted (or unclaimed) and not claimed
  std::uint64_t log_bytes_ = 0;
  // How many builders, workers and masters the log has met (their `met`).
  std::uint64_t builders_met_ = 0, workers_met_ = 0, masters_met_ = 0;
};

}  // namespace eventbot::gateway::readmodel
