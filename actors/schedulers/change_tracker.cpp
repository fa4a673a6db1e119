#include "actors/schedulers/change_tracker.hpp"

#include <algorithm>

#include "events/snapshots.pb.h"

namespace eventbot::schedulers {

ChangeRecord make_change_record(std::uint64_t id, std::int64_t time_us,
                                const events::ChangeAdded& change, bool important) {
  ChangeRecord r;
  r.id = id;
  r.time_us = time_us;
  r.important = important;
  r.branch = change.branch();
  r.repository = change.repository();
  r.project = change.project();
  r.codebase = change.codebase();
  r.revision = change.revision();
  r.properties.assign(change.properties().begin(), change.properties().end());
  return r;
}

void ChangeTracker::retain(ChangeRecord record) {
  if (considered(record.id)) return;
  auto id = record.id;
  retained_.insert_or_assign(id, std::move(record));
}

void ChangeTracker::start_at(std::uint64_t change_id) {
  considered_through_ = std::max(considered_through_, change_id);
  retained_.erase(retained_.begin(), retained_.upper_bound(change_id));
}

void ChangeTracker::classified(std::uint64_t id, bool important) {
  considered_through_ = std::max(considered_through_, id);
  auto it = retained_.find(id);
  if (it == retained_.end()) return;  // not accepted under this configuration
  it->second.important = important;
  pending_.insert_or_assign(id, std::move(it->second));
  retained_.erase(it);
}

void ChangeTracker::built(const std::vector<std::uint64_t>& ids) {
  for (auto id : ids) {
    pending_.erase(id);
    retained_.erase(id);
  }
}

std::vector<ChangeRecord> ChangeTracker::unconsidered() const {
  std::vector<ChangeRecord> out;
  for (const auto& [id, record] : retained_) out.push_back(record);
  return out;
}

std::vector<const ChangeRecord*> ChangeTracker::pending() const {
  std::vector<const ChangeRecord*> out;
  for (const auto& [id, record] : pending_) out.push_back(&record);
  return out;
}

std::vector<const ChangeRecord*> ChangeTracker::pending_on(const std::string& branch) const {
  std::vector<const ChangeRecord*> out;
  for (const auto& [id, record] : pending_) {
    if (record.branch == branch) out.push_back(&record);
  }
  return out;
}

namespace {

void save_record(const ChangeRecord& r, snapshots::ChangeRecord* out) {
  out->set_id(r.id);
  out->set_time_us(r.time_us);
  out->set_important(r.important);
  out->set_branch(r.branch);
  out->set_repository(r.repository);
  out->set_project(r.project);
  out->set_codebase(r.codebase);
  out->set_revision(r.revision);
  for (const auto& p : r.properties) *out->add_properties() = p;
}

ChangeRecord load_record(const snapshots::ChangeRecord& in) {
  ChangeRecord r;
  r.id = in.id();
  r.time_us = in.time_us();
  r.important = in.important();
  r.branch = in.branch();
  r.repository = in.repository();
  r.project = in.project();
  r.codebase = in.codebase();
  r.revision = in.revision();
  r.properties.assign(in.properties().begin(), in.properties().end());
  return r;
}

}  // namespace

void ChangeTracker::save(snapshots::ChangeTrackerState& out) const {
  out.set_considered_through(considered_through_);
  for (const auto& [id, record] : retained_) save_record(record, out.add_retained());
  for (const auto& [id, record] : pending_) save_record(record, out.add_pending());
}

ChangeTracker ChangeTracker::load(const snapshots::ChangeTrackerState& in) {
  ChangeTracker tracker;
  tracker.considered_through_ = in.considered_through();
  for (const auto& r : in.retained()) tracker.retained_.insert_or_assign(r.id(), load_record(r));
  for (const auto& r : in.pending()) tracker.pending_.insert_or_assign(r.id(), load_record(r));
  return tracker;
}

bool any_important(const std::vector<const ChangeRecord*>& changes) {
  return std::any_of(changes.begin(), changes.end(), [](const auto* c) { return c->important; });
}

events::SourceStamp sourcestamp_of(const std::vector<const ChangeRecord*>& changes) {
  events::SourceStamp ss;
  if (changes.empty()) return ss;
  const auto& newest = *changes.back();
  ss.set_codebase(newest.codebase);
  ss.set_repository(newest.repository);
  ss.set_project(newest.project);
  ss.set_branch(newest.branch);
  ss.set_revision(newest.revision);
  for (const auto* c : changes) ss.add_change_ids(c->id);
  return ss;
}

}  // namespace eventbot::schedulers
