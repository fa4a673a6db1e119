#include "gateway/readmodel/read_model.hpp"

#include <algorithm>

#include "events/streams.hpp"
#include "gateway/readmodel/joined.hpp"

namespace eventbot::gateway::readmodel {
namespace {

const std::string kNone;

template <class Entry>
Id assign(std::vector<Entry>& entries, std::map<std::string, Id, std::less<>>& ids,
          const std::string& name) {
  auto it = ids.find(name);
  if (it != ids.end()) return it->second;
  Id id = entries.size() + 1;
  ids.emplace(name, id);
  auto& entry = entries.emplace_back();
  entry.name = name;
  return id;
}

// assign(), noting the order in which the log first meets each name.
template <class Entry>
Id assign(std::vector<Entry>& entries, std::map<std::string, Id, std::less<>>& ids,
          const std::string& name, bool from_log, std::uint64_t& met) {
  Id id = assign(entries, ids, name);
  if (from_log && entries[id - 1].met == 0) entries[id - 1].met = ++met;
  return id;
}

}  // namespace

Id ReadModel::builder_id(const std::string& name, bool from_log) {
  Id id = assign(builders_, builder_ids_, name, from_log, builders_met_);
  builders_[id - 1].builderid = id;
  return id;
}

Id ReadModel::worker_id(const std::string& name, bool from_log) {
  if (name.empty()) return 0;
  Id id = assign(workers_, worker_ids_, name, from_log, workers_met_);
  workers_[id - 1].workerid = id;
  return id;
}

Id ReadModel::master_id(const std::string& name, bool from_log) {
  if (name.empty()) return 0;
  Id id = assign(masters_, master_ids_, name, from_log, masters_met_);
  masters_[id - 1].masterid = id;
  return id;
}

BuildEntry* ReadModel::mutable_build(const std::string& builder, std::uint32_t number) {
  return const_cast<BuildEntry*>(build_of(builder, number));
}

void ReadModel::evolve(const events::Envelope& e) {
  if (e.sequence() <= folded_) return;
  folded_ = e.sequence();
  if (!e.master_id().empty()) {
    auto& master = masters_[master_id(e.master_id()) - 1];
    master.last_active_us = std::max(master.last_active_us, e.time_us());
  }
  switch (e.body_case()) {
    case events::Envelope::kLogChunk:
      log_bytes_ += e.log_chunk().size();
      break;
    case events::Envelope::kChangeAdded: {
      if (e.stream() != streams::changes()) break;
      const auto& c = e.change_added();
      ChangeEntry change;
      change.changeid = e.stream_version();
      change.author = c.who();
      change.branch = c.branch();
      change.category = c.category();
      change.codebase = c.codebase();
      change.comments = c.comments();
      change.project = c.project();
      change.repository = c.repository();
      change.revision = c.revision();
      change.revlink = c.revlink();
      change.files.assign(c.files().begin(), c.files().end());
      change.when_us = c.when_us() ? c.when_us() : e.time_us();
      for (const auto& p : c.properties()) change.properties.emplace_back(p.name(), p.value_json());
      // Ids are the stream's versions: dense from 1, so the vector is indexed by them.
      if (change.changeid == changes_.size() + 1) changes_.push_back(std::move(change));
      break;
    }
    case events::Envelope::kBuildsetSubmitted: {
      const auto& b = e.buildset_submitted();
      auto& set = buildsets_[b.buildset_id()];
      set.bsid = b.buildset_id();
      set.reason = b.reason();
      set.external_idstring = b.external_idstring();
      set.parent_buildsetid = b.parent_buildset_id();
      set.scheduler = b.scheduler();
      set.submitted_us = e.time_us();
      for (const auto& ss : b.sourcestamps()) {
        set.sourcestamps.push_back(
            {ss.codebase(), ss.repository(), ss.project(), ss.branch(), ss.revision()});
      }
      break;
    }
    case events::Envelope::kBuildsetCompleted: {
      auto it = buildsets_.find(e.buildset_completed().buildset_id());
      if (it == buildsets_.end()) break;
      it->second.complete = true;
      it->second.complete_us = e.time_us();
      it->second.results = e.buildset_completed().result();
      break;
    }
    case events::Envelope::kBuildRequestSubmitted: {
      const auto& r = e.build_request_submitted();
      auto& request = requests_[r.request_id()];
      if (request.buildrequestid == 0) {
        ++pending_;
        pending_ids_.insert(r.request_id());
      }
      request.buildrequestid = r.request_id();
      request.buildsetid = r.buildset_id();
      request.builderid = builder_id(r.builder());
      request.priority = r.priority();
      request.submitted_us = e.time_us();
      break;
    }
    case events::Envelope::kBuildRequestClaimed: {
      auto it = requests_.find(e.build_request_claimed().request_id());
      if (it == requests_.end() || it->second.complete) break;
      if (!it->second.claimed) --pending_;
      pending_ids_.erase(it->first);
      it->second.claimed = true;
      it->second.claimed_us = e.time_us();
      it->second.claimed_by_masterid = master_id(e.build_request_claimed().master_id());
      break;
    }
    case events::Envelope::kBuildRequestUnclaimed: {
      auto it = requests_.find(e.build_request_unclaimed().request_id());
      if (it == requests_.end() || it->second.complete || !it->second.claimed) break;
      ++pending_;
      pending_ids_.insert(it->first);
      it->second.claimed = false;
      it->second.claimed_us = 0;
      it->second.claimed_by_masterid = 0;
      break;
    }
    case events::Envelope::kBuildRequestCancelled:
    case events::Envelope::kBuildRequestCompleted: {
      const bool cancelled = e.has_build_request_cancelled();
      auto id = cancelled ? e.build_request_cancelled().request_id()
                          : e.build_request_completed().request_id();
      auto it = requests_.find(id);
      if (it == requests_.end() || it->second.complete) break;
      if (!it->second.claimed) --pending_;
      pending_ids_.erase(it->first);
      it->second.complete = true;
      it->second.complete_us = e.time_us();
      it->second.results =
          cancelled ? static_cast<int>(events::CANCELLED) : e.build_request_completed().result();
      break;
    }
    case events::Envelope::kBuildStarted: {
      const auto& b = e.build_started();
      if (build_of(b.builder(), b.number())) break;
      BuildEntry build;
      build.buildid = builds_.size() + 1;
      build.builderid = builder_id(b.builder());
      build.number = b.number();
      build.buildrequestid = b.request_ids().empty() ? 0 : b.request_ids(0);
      build.workerid = worker_id(b.slave());
      build.masterid = master_id(e.master_id());
      build.started_us = e.time_us();
      build.state_string = "building";
      build.sequence = e.sequence();
      auto& list = builders_[build.builderid - 1].builds;
      auto at = std::upper_bound(list.begin(), list.end(), std::make_pair(b.number(), Id(0)));
      list.insert(at, {b.number(), build.buildid});
      builds_.push_back(std::move(build));
      ++running_;
      break;
    }
    case events::Envelope::kBuildFinished: {
      const auto& f = e.build_finished();
      auto* build = mutable_build(f.builder(), f.number());
      if (!build || build->results) break;
      build->results = f.result();
      build->complete_us = e.time_us();
      build->state_string = f.text().empty() ? "finished" : joined(f.text());
      --running_;
      ++finished_by_result_[f.result()];
      break;
    }
    case events::Envelope::kSlaveAttached: {
      const auto& a = e.slave_attached();
      auto& worker = workers_[worker_id(a.slave()) - 1];
      worker.connected = true;
      worker.connected_masterid = master_id(a.master_id().empty() ? e.master_id() : a.master_id());
      worker.graceful = false;
      worker.host = a.host();
      worker.admin = a.admin();
      worker.os = a.os();
      worker.version = a.version();
      break;
    }
    case events::Envelope::kSlaveDetached: {
      auto& worker = workers_[worker_id(e.slave_detached().slave()) - 1];
      worker.connected = false;
      worker.connected_masterid = 0;
      break;
    }
    case events::Envelope::kSlaveShutdownRequested:
      workers_[worker_id(e.slave_shutdown_requested().slave()) - 1].graceful = true;
      break;
    case events::Envelope::kMasterStarted:
      masters_[master_id(e.master_started().master_id()) - 1].active = true;
      break;
    case events::Envelope::kMasterStopped:
      masters_[master_id(e.master_stopped().master_id()) - 1].active = false;
      break;
    default:
      break;
  }
}

void ReadModel::configure(const ConfiguredNames& names) {
  for (auto& builder : builders_) builder.configured = false;
  const Id master = names.master_id.empty() ? 0 : master_id(names.master_id, false);
  serving_master_ = master;
  for (const auto& wanted : names.builders) {
    auto& builder = builders_[builder_id(wanted.name, false) - 1];
    builder.configured = true;
    builder.description = wanted.description;
    builder.tags = wanted.tags;
    builder.workerids.clear();
    for (const auto& worker : wanted.workers) {
      builder.workerids.push_back(worker_id(worker, false));
    }
    if (master && std::find(builder.masterids.begin(), builder.masterids.end(), master) ==
                      builder.masterids.end()) {
      builder.masterids.push_back(master);
    }
  }
  for (auto& worker : workers_) worker.configured = false;
  for (const auto& name : names.workers) workers_[worker_id(name, false) - 1].configured = true;
  for (auto& scheduler : schedulers_) scheduler.configured = false;
  for (const auto& wanted : names.schedulers) {
    Id id = assign(schedulers_, scheduler_ids_, wanted.name);
    auto& scheduler = schedulers_[id - 1];
    scheduler = wanted;
    scheduler.schedulerid = id;
    scheduler.configured = true;
  }
}

const BuilderEntry* ReadModel::builder(Id id) const {
  return id >= 1 && id <= builders_.size() ? &builders_[id - 1] : nullptr;
}

const BuilderEntry* ReadModel::builder_named(const std::string& name) const {
  auto it = builder_ids_.find(name);
  return it == builder_ids_.end() ? nullptr : &builders_[it->second - 1];
}

const BuildEntry* ReadModel::build(Id id) const {
  return id >= 1 && id <= builds_.size() ? &builds_[id - 1] : nullptr;
}

const BuildEntry* ReadModel::build_of(const std::string& builder, std::uint32_t number) const {
  const auto* entry = builder_named(builder);
  if (!entry) return nullptr;
  auto at =
      std::lower_bound(entry->builds.begin(), entry->builds.end(), std::make_pair(number, Id(0)));
  if (at == entry->builds.end() || at->first != number) return nullptr;
  return build(at->second);
}

const WorkerEntry* ReadModel::worker(Id id) const {
  return id >= 1 && id <= workers_.size() ? &workers_[id - 1] : nullptr;
}

const std::string& ReadModel::builder_name(Id id) const {
  const auto* entry = builder(id);
  return entry ? entry->name : kNone;
}

const std::string& ReadModel::worker_name(Id id) const {
  const auto* entry = worker(id);
  return entry ? entry->name : kNone;
}

std::size_t ReadModel::attached_workers() const {
  return static_cast<std::size_t>(
      std::count_if(workers_.begin(), workers_.end(), [](const auto& w) { return w.connected; }));
}

std::optional<std::int64_t> ReadModel::oldest_pending_submitted_us() const {
  // Ids are given in submission order: the smallest pending one waited longest.
  if (pending_ids_.empty()) return std::nullopt;
  auto it = requests_.find(*pending_ids_.begin());
  if (it == requests_.end()) return std::nullopt;
  return it->second.submitted_us;
}

}  // namespace eventbot::gateway::readmodel
