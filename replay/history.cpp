#include "replay/history.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "events/streams.hpp"

namespace eventbot::replay {

const char* to_string(RequestState state) {
  switch (state) {
    case RequestState::pending:
      return "pending";
    case RequestState::claimed:
      return "claimed";
    case RequestState::completed:
      return "completed";
    case RequestState::cancelled:
      return "cancelled";
  }
  return "?";
}

std::string result_name(events::Result result) {
  const std::string& name = events::Result_Name(result);
  return name.empty() ? std::to_string(static_cast<int>(result)) : name;
}

const BuildRecord* History::build(const std::string& builder, std::uint32_t number) const {
  auto it = build_index_.find({builder, number});
  return it == build_index_.end() ? nullptr : &builds_[it->second];
}

BuildRecord& History::build_of(const std::string& builder, std::uint32_t number,
                               std::uint64_t sequence) {
  auto [it, inserted] = build_index_.try_emplace({builder, number}, builds_.size());
  if (inserted) {
    BuildRecord record;
    record.builder = builder;
    record.number = number;
    record.first_sequence = sequence;
    builds_.push_back(std::move(record));
    builders_.insert(builder);
  }
  return builds_[it->second];
}

LogRecord* History::log_of(const std::string& stream) {
  auto it = log_owners_.find(stream);
  if (it == log_owners_.end()) return nullptr;
  auto& step = builds_[it->second.first].steps[it->second.second];
  for (auto& log : step.logs) {
    if (log.stream == stream) return &log;
  }
  return nullptr;
}

std::vector<HeldLockRecord> History::held_locks() const {
  std::vector<HeldLockRecord> out;
  out.reserve(locks_.size());
  for (const auto& [key, record] : locks_) out.push_back(record);
  return out;
}

void History::evolve(const events::Envelope& event) {
  last_sequence_ = std::max(last_sequence_, event.sequence());
  last_time_us_ = event.time_us();
  const std::int64_t now = event.time_us();
  buildsets_.evolve(event);
  switch (event.body_case()) {
    case events::Envelope::kBuildsetSubmitted:
      for (const auto& name : event.buildset_submitted().builder_names()) builders_.insert(name);
      break;
    case events::Envelope::kBuildRequestSubmitted: {
      const auto& body = event.build_request_submitted();
      RequestRecord& request = requests_[body.request_id()];
      request.id = body.request_id();
      request.buildset_id = body.buildset_id();
      request.builder = body.builder();
      request.priority = body.priority();
      request.submitted_us = now;
      request.submit_sequence = event.sequence();
      builders_.insert(body.builder());
      break;
    }
    case events::Envelope::kBuildRequestClaimed: {
      auto it = requests_.find(event.build_request_claimed().request_id());
      if (it == requests_.end()) break;
      it->second.state = RequestState::claimed;
      it->second.claimed_by = event.build_request_claimed().master_id().empty()
                                  ? event.master_id()
                                  : event.build_request_claimed().master_id();
      it->second.claimed_us = now;
      it->second.build_number.reset();
      break;
    }
    case events::Envelope::kBuildRequestUnclaimed: {
      auto it = requests_.find(event.build_request_unclaimed().request_id());
      if (it == requests_.end()) break;
      it->second.state = RequestState::pending;
      it->second.build_number.reset();
      ++it->second.unclaims;
      it->second.last_unclaim_reason = event.build_request_unclaimed().reason();
      break;
    }
    case events::Envelope::kBuildRequestCancelled: {
      const auto& body = event.build_request_cancelled();
      auto it = requests_.find(body.request_id());
      if (it == requests_.end()) break;
      it->second.state = RequestState::cancelled;
      it->second.cancelled_by = body.who();
      it->second.cancel_reason = body.reason();
      it->second.ended_us = now;
      break;
    }
    case events::Envelope::kBuildRequestCompleted: {
      const auto& body = event.build_request_completed();
      auto it = requests_.find(body.request_id());
      if (it == requests_.end()) break;
      it->second.state = RequestState::completed;
      it->second.result = body.result();
      it->second.build_number = body.build_number();
      it->second.ended_us = now;
      break;
    }
    case events::Envelope::kBuildStarted: {
      const auto& body = event.build_started();
      BuildRecord& build = build_of(body.builder(), body.number(), event.sequence());
      if (build.started) break;  // the same build twice: the first one counts
      build.started = true;
      build.started_us = now;
      build.reason = body.reason();
      build.slave = body.slave();
      build.master_id = event.master_id();
      build.request_ids.assign(body.request_ids().begin(), body.request_ids().end());
      for (auto id : body.request_ids()) {
        auto it = requests_.find(id);
        if (it == requests_.end()) continue;
        it->second.builds.push_back(body.number());
        if (it->second.state == RequestState::claimed) it->second.build_number = body.number();
      }
      break;
    }
    case events::Envelope::kBuildFinished: {
      const auto& body = event.build_finished();
      BuildRecord& build = build_of(body.builder(), body.number(), event.sequence());
      build.result = body.result();
      build.finished_us = now;
      build.text.assign(body.text().begin(), body.text().end());
      // As the lock table does: a finished build holds nothing any more.
      std::erase_if(locks_, [&](const auto& entry) {
        return entry.second.builder == body.builder() && entry.second.build_number == body.number();
      });
      break;
    }
    case events::Envelope::kStepStarted: {
      const auto& body = event.step_started();
      BuildRecord& build = build_of(body.builder(), body.build_number(), event.sequence());
      StepRecord& step = build.steps[body.step_index()];
      step.index = body.step_index();
      step.name = body.name();
      step.text.assign(body.description().begin(), body.description().end());
      step.started_us = now;
      break;
    }
    case events::Envelope::kStepFinished: {
      const auto& body = event.step_finished();
      BuildRecord& build = build_of(body.builder(), body.build_number(), event.sequence());
      StepRecord& step = build.steps[body.step_index()];
      step.index = body.step_index();
      step.result = body.result();
      step.hidden = body.hidden();
      if (!body.description_done().empty()) {
        step.text.assign(body.description_done().begin(), body.description_done().end());
      }
      step.finished_us = now;
      break;
    }
    case events::Envelope::kLogOpened: {
      const auto& body = event.log_opened();
      BuildRecord& build = build_of(body.builder(), body.build_number(), event.sequence());
      const auto stream =
          streams::log(body.builder(), body.build_number(), body.step_index(), body.name());
      if (log_owners_.contains(stream)) break;
      log_owners_[stream] = {build_index_.at({body.builder(), body.build_number()}),
                             body.step_index()};
      LogRecord log;
      log.name = body.name();
      log.stream = stream;
      build.steps[body.step_index()].index = body.step_index();
      build.steps[body.step_index()].logs.push_back(std::move(log));
      break;
    }
    case events::Envelope::kLogChunk: {
      if (auto* log = log_of(event.stream())) {
        log->bytes += event.log_chunk().size();
        ++log->chunks;
      }
      break;
    }
    case events::Envelope::kLogClosed: {
      if (auto* log = log_of(event.stream())) log->closed = true;
      break;
    }
    case events::Envelope::kBuildPropertiesSet: {
      const auto& body = event.build_properties_set();
      BuildRecord& build = build_of(body.builder(), body.build_number(), event.sequence());
      for (const auto& property : body.properties()) {
        if (property.name() != "got_revision") continue;
        // The value is JSON; a string shows as its text, anything else as JSON.
        auto value = nlohmann::json::parse(property.value_json(), nullptr, false);
        build.got_revision = value.is_string()      ? value.get<std::string>()
                             : value.is_discarded() ? property.value_json()
                                                    : value.dump();
      }
      break;
    }
    case events::Envelope::kBuildStopRequested: {
      const auto& body = event.build_stop_requested();
      BuildRecord& build = build_of(body.builder(), body.build_number(), event.sequence());
      build.stop_requested = true;
      build.stopped_by = body.who();
      build.stop_reason = body.reason();
      break;
    }
    case events::Envelope::kLockAcquired: {
      const auto& body = event.lock_acquired();
      HeldLockRecord record;
      record.lock = body.lock();
      record.slave = body.slave();
      record.exclusive = body.exclusive();
      record.builder = body.builder();
      record.build_number = body.build_number();
      record.step_index = body.step_index();
      record.acquired_us = now;
      locks_.try_emplace(
          {record.lock, record.slave, record.builder, record.build_number, record.step_index},
          record);
      break;
    }
    case events::Envelope::kLockReleased: {
      const auto& body = event.lock_released();
      locks_.erase(
          {body.lock(), body.slave(), body.builder(), body.build_number(), body.step_index()});
      break;
    }
    case events::Envelope::kSlaveAttached: {
      const auto& body = event.slave_attached();
      SlaveRecord& slave = slaves_[body.slave()];
      slave.name = body.slave();
      slave.attached = true;
      slave.master_id = body.master_id().empty() ? event.master_id() : body.master_id();
      slave.host = body.host();
      slave.shutdown_requested = false;
      slave.missing = false;
      slave.since_us = now;
      break;
    }
    case events::Envelope::kSlaveDetached: {
      const auto& body = event.slave_detached();
      SlaveRecord& slave = slaves_[body.slave()];
      slave.name = body.slave();
      // A late detach by a master the slave has since left does not end its newer
      // attachment elsewhere (as the distributor reads it).
      if (!event.master_id().empty() && slave.attached && slave.master_id != event.master_id()) {
        break;
      }
      slave.attached = false;
      slave.master_id.clear();
      slave.shutdown_requested = false;
      slave.since_us = now;
      break;
    }
    case events::Envelope::kSlaveMissing: {
      SlaveRecord& slave = slaves_[event.slave_missing().slave()];
      slave.name = event.slave_missing().slave();
      slave.missing = true;
      break;
    }
    case events::Envelope::kSlaveShutdownRequested: {
      SlaveRecord& slave = slaves_[event.slave_shutdown_requested().slave()];
      slave.name = event.slave_shutdown_requested().slave();
      slave.shutdown_requested = true;
      break;
    }
    case events::Envelope::kMasterStarted: {
      // A (re)started master's earlier attachments went with its connections.
      const auto& master = event.master_started().master_id();
      for (auto& [name, slave] : slaves_) {
        if (slave.attached && slave.master_id == master) {
          slave.attached = false;
          slave.master_id.clear();
          slave.shutdown_requested = false;
          slave.since_us = now;
        }
      }
      break;
    }
    case events::Envelope::kConfigLoaded: {
      RecordedConfig config;
      config.sequence = event.sequence();
      config.time_us = now;
      config.master_id = event.master_id();
      config.loaded = event.config_loaded();
      last_config_ = std::move(config);
      break;
    }
    default:
      break;
  }
}

}  // namespace eventbot::replay
