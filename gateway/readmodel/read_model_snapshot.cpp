// ReadModel::snapshot and ReadModel::restore: the part of the read models the log
// decides, in events/snapshots.proto's ReadModelSnapshot.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>

#include "events/snapshots.pb.h"
#include "gateway/readmodel/read_model.hpp"

namespace eventbot::gateway::readmodel {
namespace {

// The names the log met, in the order it met them: the ids a fold from the start gives.
template <class Entry>
std::vector<const Entry*> in_log_order(const std::vector<Entry>& entries, std::uint64_t met) {
  std::vector<const Entry*> out(met, nullptr);
  for (const auto& entry : entries) {
    if (entry.met != 0) out[entry.met - 1] = &entry;
  }
  return out;
}

// An id of the model as the fold from the start numbers it (0 stays 0).
template <class Entry>
Id log_id(const std::vector<Entry>& entries, Id id) {
  return id >= 1 && id <= entries.size() ? entries[id - 1].met : 0;
}

}  // namespace

std::string ReadModel::snapshot() const {
  snapshots::ReadModelSnapshot out;
  out.set_format(kReadModelSnapshotFormat);
  out.set_folded(folded_);
  out.set_log_bytes(log_bytes_);
  for (const auto* b : in_log_order(builders_, builders_met_)) out.add_builders(b->name);
  out.mutable_builds()->Reserve(static_cast<int>(builds_.size()));
  for (const auto& b : builds_) {
    auto& to = *out.add_builds();
    to.set_builderid(log_id(builders_, b.builderid));
    to.set_number(b.number);
    to.set_buildrequestid(b.buildrequestid);
    to.set_workerid(log_id(workers_, b.workerid));
    to.set_masterid(log_id(masters_, b.masterid));
    to.set_started_us(b.started_us);
    to.set_complete_us(b.complete_us);
    to.set_finished(b.results.has_value());
    to.set_results(b.results.value_or(0));
    to.set_state_string(b.state_string);
    to.set_sequence(b.sequence);
  }
  for (const auto& [id, r] : requests_) {
    auto& to = *out.add_requests();
    to.set_buildrequestid(r.buildrequestid);
    to.set_buildsetid(r.buildsetid);
    to.set_builderid(log_id(builders_, r.builderid));
    to.set_priority(r.priority);
    to.set_submitted_us(r.submitted_us);
    to.set_claimed(r.claimed);
    to.set_claimed_us(r.claimed_us);
    to.set_claimed_by_masterid(log_id(masters_, r.claimed_by_masterid));
    to.set_complete(r.complete);
    to.set_complete_us(r.complete_us);
    to.set_has_results(r.results.has_value());
    to.set_results(r.results.value_or(0));
  }
  for (const auto& [id, s] : buildsets_) {
    auto& to = *out.add_buildsets();
    to.set_bsid(s.bsid);
    to.set_reason(s.reason);
    to.set_external_idstring(s.external_idstring);
    to.set_parent_buildsetid(s.parent_buildsetid);
    to.set_scheduler(s.scheduler);
    to.set_submitted_us(s.submitted_us);
    to.set_complete(s.complete);
    to.set_complete_us(s.complete_us);
    to.set_has_results(s.results.has_value());
    to.set_results(s.results.value_or(0));
    for (const auto& ss : s.sourcestamps) {
      auto& stamp = *to.add_sourcestamps();
      stamp.set_codebase(ss.codebase);
      stamp.set_repository(ss.repository);
      stamp.set_project(ss.project);
      stamp.set_branch(ss.branch);
      stamp.set_revision(ss.revision);
    }
  }
  for (const auto& c : changes_) {
    auto& to = *out.add_changes();
    to.set_author(c.author);
    to.set_branch(c.branch);
    to.set_category(c.category);
    to.set_codebase(c.codebase);
    to.set_comments(c.comments);
    to.set_project(c.project);
    to.set_repository(c.repository);
    to.set_revision(c.revision);
    to.set_revlink(c.revlink);
    for (const auto& file : c.files) to.add_files(file);
    to.set_when_us(c.when_us);
    for (const auto& [name, value] : c.properties) {
      auto& p = *to.add_properties();
      p.set_name(name);
      p.set_value_json(value);
    }
  }
  for (const auto* worker : in_log_order(workers_, workers_met_)) {
    const auto& w = *worker;
    auto& to = *out.add_workers();
    to.set_name(w.name);
    to.set_connected(w.connected);
    to.set_connected_masterid(log_id(masters_, w.connected_masterid));
    to.set_graceful(w.graceful);
    to.set_host(w.host);
    to.set_admin(w.admin);
    to.set_os(w.os);
    to.set_version(w.version);
  }
  for (const auto* master : in_log_order(masters_, masters_met_)) {
    auto& to = *out.add_masters();
    to.set_name(master->name);
    to.set_active(master->active);
    to.set_last_active_us(master->last_active_us);
  }
  std::string state;
  google::protobuf::io::StringOutputStream stream(&state);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  out.SerializeToCodedStream(&coded);
  coded.Trim();
  return state;
}

std::optional<ReadModel> ReadModel::restore(std::string_view state) {
  snapshots::ReadModelSnapshot in;
  if (!in.ParseFromArray(state.data(), static_cast<int>(state.size())) ||
      in.format() != kReadModelSnapshotFormat) {
    return std::nullopt;
  }
  ReadModel m;
  m.folded_ = in.folded();
  m.log_bytes_ = in.log_bytes();
  auto known = [](Id id, std::size_t count) { return id >= 1 && id <= count; };
  for (const auto& name : in.builders()) m.builder_id(name);
  for (const auto& w : in.workers()) {
    auto& worker = m.workers_[m.worker_id(w.name()) - 1];
    worker.connected = w.connected();
    worker.connected_masterid = w.connected_masterid();
    worker.graceful = w.graceful();
    worker.host = w.host();
    worker.admin = w.admin();
    worker.os = w.os();
    worker.version = w.version();
  }
  for (const auto& ms : in.masters()) {
    auto& master = m.masters_[m.master_id(ms.name()) - 1];
    master.active = ms.active();
    master.last_active_us = ms.last_active_us();
  }
  if (m.builders_.size() != static_cast<std::size_t>(in.builders_size()) ||
      m.workers_.size() != static_cast<std::size_t>(in.workers_size()) ||
      m.masters_.size() != static_cast<std::size_t>(in.masters_size())) {
    return std::nullopt;  // a name twice
  }
  m.builds_.reserve(static_cast<std::size_t>(in.builds_size()));
  for (const auto& b : in.builds()) {
    if (!known(b.builderid(), m.builders_.size())) return std::nullopt;
    BuildEntry build;
    build.buildid = m.builds_.size() + 1;
    build.builderid = b.builderid();
    build.number = b.number();
    build.buildrequestid = b.buildrequestid();
    build.workerid = b.workerid();
    build.masterid = b.masterid();
    build.started_us = b.started_us();
    build.complete_us = b.complete_us();
    if (b.finished()) {
      build.results = b.results();
      ++m.finished_by_result_[b.results()];
    } else {
      ++m.running_;
    }
    build.state_string = b.state_string();
    build.sequence = b.sequence();
    m.builders_[build.builderid - 1].builds.emplace_back(build.number, build.buildid);
    m.builds_.push_back(std::move(build));
  }
  for (auto& builder : m.builders_) std::sort(builder.builds.begin(), builder.builds.end());
  for (const auto& r : in.requests()) {
    auto& request =
        m.requests_.emplace_hint(m.requests_.end(), r.buildrequestid(), RequestEntry{})->second;
    request.buildrequestid = r.buildrequestid();
    request.buildsetid = r.buildsetid();
    request.builderid = r.builderid();
    request.priority = r.priority();
    request.submitted_us = r.submitted_us();
    request.claimed = r.claimed();
    request.claimed_us = r.claimed_us();
    request.claimed_by_masterid = r.claimed_by_masterid();
    request.complete = r.complete();
    request.complete_us = r.complete_us();
    if (r.has_results()) request.results = r.results();
    if (!request.complete && !request.claimed) {
      ++m.pending_;
      m.pending_ids_.insert(r.buildrequestid());
    }
  }
  for (const auto& s : in.buildsets()) {
    auto& set = m.buildsets_.emplace_hint(m.buildsets_.end(), s.bsid(), BuildsetEntry{})->second;
    set.bsid = s.bsid();
    set.reason = s.reason();
    set.external_idstring = s.external_idstring();
    set.parent_buildsetid = s.parent_buildsetid();
    set.scheduler = s.scheduler();
    set.submitted_us = s.submitted_us();
    set.complete = s.complete();
    set.complete_us = s.complete_us();
    if (s.has_results()) set.results = s.results();
    for (const auto& ss : s.sourcestamps()) {
      set.sourcestamps.push_back(
          {ss.codebase(), ss.repository(), ss.project(), ss.branch(), ss.revision()});
    }
  }
  m.changes_.reserve(static_cast<std::size_t>(in.changes_size()));
  for (const auto& c : in.changes()) {
    ChangeEntry change;
    change.changeid = m.changes_.size() + 1;
    change.author = c.author();
    change.branch = c.branch();
    change.category = c.category();
    change.codebase = c.codebase();
    change.comments = c.comments();
    change.project = c.project();
    change.repository = c.repository();
    change.revision = c.revision();
    change.revlink = c.revlink();
    change.files.assign(c.files().begin(), c.files().end());
    change.when_us = c.when_us();
    for (const auto& p : c.properties()) change.properties.emplace_back(p.name(), p.value_json());
    m.changes_.push_back(std::move(change));
  }
  return m;
}

}  // namespace eventbot::gateway::readmodel
