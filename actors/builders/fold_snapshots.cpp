// The builders' folds as snapshots (events/snapshots.proto, message by message) and
// back. Each restore expects a fresh object; what a fold derives (a slave's running
// count, a lock copy's holders) is derived again rather than saved.
#include "actors/builders/buildset_tracker.hpp"
#include "actors/builders/distributor_core.hpp"
#include "actors/builders/lock_table.hpp"
#include "events/snapshots.pb.h"

namespace eventbot::builders {
namespace {

void save_cause(const events::Cause& cause, snapshots::CauseRecord& out) {
  out.set_sequence(cause.sequence);
  out.set_correlation(cause.correlation);
}

events::Cause cause_of(const snapshots::CauseRecord& in) {
  return {in.sequence(), in.correlation()};
}

}  // namespace

// ---------------------------------------------------------------------------------
// DistributorCore

void DistributorCore::save(snapshots::DistributorCoreState& out) const {
  out.set_master_id(master_id_);
  out.set_last_sequence(last_sequence_);
  for (const auto& [id, r] : requests_) {
    auto& request = *out.add_requests();
    request.set_id(id);
    request.set_buildset_id(r.buildset_id);
    request.set_builder(r.builder);
    request.set_priority(r.priority);
    request.set_submitted_us(r.submitted_us);
    request.set_sequence(r.sequence);
    request.set_version(r.version.value());
    request.set_claimed(r.claimed);
  }
  for (const auto& [id, b] : buildsets_) {
    auto& buildset = *out.add_buildsets();
    buildset.set_id(id);
    buildset.set_reason(b.reason);
    for (const auto& stamp : b.sourcestamps) *buildset.add_sourcestamps() = stamp;
    for (const auto& property : b.properties) *buildset.add_properties() = property;
    for (auto request : b.live_requests) buildset.add_live_requests(request);
  }
  for (const auto& [name, s] : slave_states_) {
    auto& slave = *out.add_slaves();
    slave.set_name(name);
    slave.set_attached(s.attached);
    slave.set_master_id(s.master_id);
    slave.set_shutdown_requested(s.shutdown_requested);
    slave.set_last_build_sequence(s.last_build_sequence);
  }
  for (const auto& [key, r] : running_) {
    auto& running = *out.add_running();
    running.set_builder(key.first);
    running.set_number(key.second);
    running.set_slave(r.slave);
    for (auto id : r.request_ids) running.add_request_ids(id);
    running.set_master_id(r.master_id);
    running.set_started_us(r.started_us);
  }
  for (const auto& [builder, next] : next_number_) (*out.mutable_next_numbers())[builder] = next;
}

bool DistributorCore::restore(snapshots::DistributorCoreState& in) {
  if (in.master_id() != master_id_) return false;
  last_sequence_ = in.last_sequence();
  requests_.clear();
  for (const auto& r : in.requests()) {
    requests_[r.id()] = Request{r.buildset_id(),  r.builder(),  r.priority(),
                                r.submitted_us(), r.sequence(), StreamVersion(r.version()),
                                r.claimed()};
  }
  queues_.clear();
  ages_.clear();
  for (const auto& [id, request] : requests_) {
    if (!request.claimed) index(id, request);
  }
  buildsets_.clear();
  for (auto& b : *in.mutable_buildsets()) {
    Buildset& buildset = buildsets_[b.id()];
    buildset.reason = std::move(*b.mutable_reason());
    buildset.sourcestamps.reserve(b.sourcestamps_size());
    for (auto& stamp : *b.mutable_sourcestamps()) buildset.sourcestamps.push_back(std::move(stamp));
    buildset.properties.reserve(b.properties_size());
    for (auto& property : *b.mutable_properties())
      buildset.properties.push_back(std::move(property));
    buildset.live_requests.insert(b.live_requests().begin(), b.live_requests().end());
  }
  slave_states_.clear();
  for (const auto& s : in.slaves()) {
    slave_states_[s.name()] =
        Slave{s.attached(), s.master_id(), s.shutdown_requested(), s.last_build_sequence()};
  }
  running_.clear();
  running_per_slave_.clear();
  for (const auto& r : in.running()) {
    running_[{r.builder(), r.number()}] = Running{
        r.slave(), {r.request_ids().begin(), r.request_ids().end()}, r.master_id(), r.started_us()};
    ++running_per_slave_[r.slave()];
  }
  next_number_.clear();
  for (const auto& [builder, next] : in.next_numbers()) next_number_[builder] = next;
  return true;
}

std::unique_ptr<DistributorCore> DistributorCore::reconfigured(
    const config::MasterConfig& config) const {
  auto core = std::make_unique<DistributorCore>(*this);
  core->config_ = config;
  return core;
}

// ---------------------------------------------------------------------------------
// LockTable

void LockTable::save(snapshots::LockTableState& out) const {
  for (const auto& [name, lock] : locks_) {
    auto& type = *out.add_lock_types();
    type.set_name(name);
    type.set_type(static_cast<std::int32_t>(lock.type));
  }
  for (const auto& [id, locks] : held_) {
    auto& holder = *out.add_holders();
    holder.set_builder(id.builder);
    holder.set_build_number(id.build_number);
    holder.set_step_index(id.step_index);
    for (const auto& held : locks) {
      auto& lock = *holder.add_locks();
      lock.set_lock(held.copy.lock);
      lock.set_slave(held.copy.slave);
      lock.set_exclusive(held.exclusive);
    }
  }
}

bool LockTable::restore(const snapshots::LockTableState& in) {
  if (static_cast<std::size_t>(in.lock_types_size()) != locks_.size()) return false;
  auto lock = locks_.begin();
  for (const auto& type : in.lock_types()) {
    if (type.name() != lock->first || type.type() != static_cast<std::int32_t>(lock->second.type)) {
      return false;
    }
    ++lock;
  }
  held_.clear();
  holders_.clear();
  for (const auto& holder : in.holders()) {
    const WaiterId id{holder.builder(), holder.build_number(), holder.step_index()};
    for (const auto& held : holder.locks()) {
      take(id, HeldLock{LockCopy{held.lock(), held.slave()}, held.exclusive()});
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------
// BuildsetTracker

void BuildsetTracker::save(snapshots::BuildsetTrackerState& out) const {
  for (const auto& [id, b] : buildsets_) {
    auto& buildset = *out.add_buildsets();
    buildset.set_id(id);
    for (auto request : b.open) buildset.add_open(request);
    buildset.set_result(static_cast<std::int32_t>(b.result));
    buildset.set_submitted(b.submitted);
    buildset.set_version(b.version);
    save_cause(b.submitted_by, *buildset.mutable_submitted_by());
    save_cause(b.last_ended, *buildset.mutable_last_ended());
  }
  for (const auto& [id, r] : requests_) {
    auto& request = *out.add_requests();
    request.set_id(id);
    request.set_buildset(r.buildset);
    save_cause(r.submitted, *request.mutable_submitted());
  }
}

void BuildsetTracker::restore(const snapshots::BuildsetTrackerState& in) {
  buildsets_.clear();
  for (const auto& b : in.buildsets()) {
    TrackedBuildset& buildset = buildsets_[b.id()];
    buildset.id = b.id();
    buildset.open.insert(b.open().begin(), b.open().end());
    buildset.result = static_cast<events::Result>(b.result());
    buildset.submitted = b.submitted();
    buildset.version = b.version();
    buildset.submitted_by = cause_of(b.submitted_by());
    buildset.last_ended = cause_of(b.last_ended());
  }
  requests_.clear();
  for (const auto& r : in.requests()) {
    requests_[r.id()] = OpenRequest{r.buildset(), cause_of(r.submitted())};
  }
  // Complete but not recorded as such: take_ready() offers them again (a completion
  // already appended meanwhile then fails its expected version, and is folded instead).
  ready_.clear();
  for (const auto& [id, buildset] : buildsets_) {
    if (buildset.complete()) ready_.insert(id);
  }
}

}  // namespace eventbot::builders
