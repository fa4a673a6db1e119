#include "replay/state_command.hpp"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "actors/builders/distributor_core.hpp"
#include "actors/schedulers/make_scheduler.hpp"
#include "events/snapshots.pb.h"
#include "events/streams.hpp"
#include "replay/builds_command.hpp"
#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"
#include "replay/history.hpp"
#include "replay/recorded_config.hpp"
#include "replay/requests_command.hpp"

namespace eventbot::replay {
namespace {

using nlohmann::json;

const char* scheduler_type_name(config::SchedulerType type) {
  switch (type) {
    case config::SchedulerType::single_branch:
      return "single_branch";
    case config::SchedulerType::any_branch:
      return "any_branch";
    case config::SchedulerType::dependent:
      return "dependent";
    case config::SchedulerType::periodic:
      return "periodic";
    case config::SchedulerType::nightly:
      return "nightly";
    case config::SchedulerType::triggerable:
      return "triggerable";
    case config::SchedulerType::force:
      return "force";
  }
  return "?";
}

// One configured scheduler: its core, or why it could not be made.
struct SchedulerView {
  const config::SchedulerConfig* config = nullptr;
  std::unique_ptr<schedulers::SchedulerCore> core;
  std::string error;
};

// Everything `state` folds up to the point.
struct Folded {
  std::uint64_t sequence = 0;  // the point: the last event folded
  std::int64_t time_us = 0;    // its time (0 for sequence 0)
  std::uint64_t head = 0;
  History history;
  std::optional<RecordedConfig> recorded;  // the last ConfigLoaded at or before the point
  std::optional<config::MasterConfig> config;
  std::string config_error;  // the recorded config does not load
  std::vector<SchedulerView> schedulers;
  std::unique_ptr<builders::DistributorCore> distributor;
};

// The time of the event at `sequence`, or nothing on a store error.
store::StoreResult<std::int64_t> time_at(store::EventLog& log, std::uint64_t sequence) {
  auto events = log.read_forward(Sequence(sequence), 1);
  if (!events) return unexpected(events.error());
  if (events->empty()) return std::int64_t{0};
  return events->front().time_us();
}

// The last sequence whose event's time is <= time_us, by bisection (event times follow
// the sequence, up to clock skew between appenders); 0 if the first event is later.
store::StoreResult<std::uint64_t> sequence_at_time(store::EventLog& log, std::int64_t time_us,
                                                   std::uint64_t head) {
  std::uint64_t low = 0, high = head;
  while (low < high) {
    const std::uint64_t mid = low + (high - low + 1) / 2;
    auto time = time_at(log, mid);
    if (!time) return unexpected(time.error());
    if (*time <= time_us) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return low;
}

void prepare_cores(Folded& folded) {
  if (!folded.recorded) return;
  auto loaded = load_recorded_config(*folded.recorded);
  if (!loaded) {
    folded.config_error = loaded.error();
    return;
  }
  folded.config = std::move(loaded.value());
  for (const auto& scheduler : folded.config->schedulers) {
    SchedulerView view;
    view.config = &scheduler;
    auto core = schedulers::make_scheduler(scheduler);
    if (core) {
      view.core = std::move(core.value());
    } else {
      view.error = core.error().message;
    }
    folded.schedulers.push_back(std::move(view));
  }
  folded.distributor =
      std::make_unique<builders::DistributorCore>(*folded.config, folded.config->master_id);
}

// ---------------------------------------------------------------------------------
// What is shown, as JSON first; the text is printed from the same JSON.
// ---------------------------------------------------------------------------------

json change_record_json(const snapshots::ChangeRecord& change) {
  return {{"id", change.id()},
          {"revision", change.revision()},
          {"branch", change.branch()},
          {"repository", change.repository()},
          {"important", change.important()},
          {"at", time_json(change.time_us())}};
}

json scheduler_json(const SchedulerView& view) {
  json out;
  out["name"] = view.config->name;
  out["type"] = scheduler_type_name(view.config->type);
  out["builders"] = view.config->builders;
  if (!view.core) {
    out["error"] = view.error;
    return out;
  }
  const auto& core = *view.core;
  out["error"] = nullptr;
  out["started"] = core.started();
  if (const auto& mark = core.start_mark()) {
    out["start_mark"] = {{"change_id", mark->change_id},
                         {"buildset_id", mark->buildset_id},
                         {"at", time_json(mark->time_us)}};
  } else {
    out["start_mark"] = nullptr;
  }
  out["stream_version"] = core.version().value();
  auto timers = json::array();
  for (const auto& timer : core.next_timers()) {
    timers.push_back({{"name", timer.name}, {"due_at", time_json(timer.due_us)}});
  }
  out["timers"] = std::move(timers);
  // The rest of the folded state, read from the core's own snapshot encoding.
  auto pending = json::array(), unclassified = json::array(), upstream = json::array();
  snapshots::SchedulerSnapshot snapshot;
  if (snapshot.ParseFromString(core.snapshot())) {
    if (snapshot.has_changes()) {
      for (const auto& change : snapshot.changes().pending()) {
        pending.push_back(change_record_json(change));
      }
      for (const auto& change : snapshot.changes().retained()) {
        unclassified.push_back(change_record_json(change));
      }
    }
    if (snapshot.has_dependent()) {
      for (const auto& buildset : snapshot.dependent().upstream()) {
        upstream.push_back(
            {{"buildset", buildset.buildset_id()}, {"succeeded", buildset.succeeded()}});
      }
    }
  }
  out["pending_changes"] = std::move(pending);
  out["unclassified_changes"] = std::move(unclassified);
  out["upstream_buildsets"] = std::move(upstream);
  return out;
}

json pending_json(const builders::PendingRequest& request) {
  return {{"id", request.id},
          {"buildset", request.buildset_id},
          {"priority", request.priority},
          {"submitted_at", time_json(request.submitted_us)}};
}

json pending_json(const RequestRecord& request) {
  return {{"id", request.id},
          {"buildset", request.buildset_id},
          {"priority", request.priority},
          {"submitted_at", time_json(request.submitted_us)}};
}

json running_json(const BuildRecord& build) {
  json out = {{"number", build.number},
              {"slave", build.slave},
              {"requests", build.request_ids},
              {"started_at", time_json(build.started ? build.started_us : 0)},
              {"step", nullptr}};
  for (const auto& [index, step] : build.steps) {
    if (!step.result) out["step"] = {{"index", step.index}, {"name", step.name}};
  }
  return out;
}

json builders_json(const Folded& folded) {
  std::vector<std::string> names;
  std::set<std::string> configured;
  if (folded.config) {
    for (const auto& builder : folded.config->builders) {
      names.push_back(builder.name);
      configured.insert(builder.name);
    }
  }
  for (const auto& name : folded.history.builders()) {
    if (!configured.contains(name)) names.push_back(name);
  }
  auto out = json::array();
  for (const auto& name : names) {
    json builder;
    builder["name"] = name;
    builder["configured"] = configured.contains(name);
    auto pending = json::array(), claimed = json::array(), running = json::array();
    if (folded.distributor) {
      for (const auto& request : folded.distributor->pending(name)) {
        pending.push_back(pending_json(request));
      }
    } else {
      for (const auto& [id, request] : folded.history.requests()) {
        if (request.builder == name && request.state == RequestState::pending) {
          pending.push_back(pending_json(request));
        }
      }
    }
    for (const auto& [id, request] : folded.history.requests()) {
      if (request.builder == name && request.state == RequestState::claimed &&
          !request.build_number) {
        claimed.push_back({{"id", id},
                           {"buildset", request.buildset_id},
                           {"claimed_by", request.claimed_by},
                           {"claimed_at", time_json(request.claimed_us)}});
      }
    }
    for (const auto& build : folded.history.builds()) {
      if (build.builder == name && build.running()) running.push_back(running_json(build));
    }
    builder["pending"] = std::move(pending);
    builder["claimed_not_started"] = std::move(claimed);
    builder["running"] = std::move(running);
    out.push_back(std::move(builder));
  }
  return out;
}

json slaves_json(const Folded& folded) {
  auto running_on = [&](const std::string& slave) {
    auto builds = json::array();
    for (const auto& build : folded.history.builds()) {
      if (build.slave == slave && build.running()) {
        builds.push_back({{"builder", build.builder}, {"number", build.number}});
      }
    }
    return builds;
  };
  auto out = json::array();
  std::set<std::string> shown;
  if (folded.distributor) {
    for (const auto& slave : folded.distributor->slaves()) {
      const auto seen = folded.history.slaves().find(slave.name);
      const bool missing = seen != folded.history.slaves().end() && seen->second.missing;
      out.push_back({{"name", slave.name},
                     {"configured", true},
                     {"attached", slave.attached},
                     {"master_id", slave.master_id},
                     {"shutdown_requested", slave.shutdown_requested},
                     {"missing", missing},
                     {"max_builds", slave.max_builds},
                     {"usable", slave.usable},
                     {"running", running_on(slave.name)}});
      shown.insert(slave.name);
    }
  }
  for (const auto& [name, slave] : folded.history.slaves()) {
    if (shown.contains(name)) continue;
    out.push_back({{"name", name},
                   {"configured", false},
                   {"attached", slave.attached},
                   {"master_id", slave.master_id},
                   {"shutdown_requested", slave.shutdown_requested},
                   {"missing", slave.missing},
                   {"max_builds", nullptr},
                   {"usable", nullptr},
                   {"running", running_on(name)}});
  }
  return out;
}

json locks_json(const Folded& folded) {
  auto out = json::array();
  for (const auto& lock : folded.history.held_locks()) {
    out.push_back({{"lock", lock.lock},
                   {"slave", lock.slave},
                   {"exclusive", lock.exclusive},
                   {"builder", lock.builder},
                   {"number", lock.build_number},
                   {"step", lock.step_index < 0 ? json(nullptr) : json(lock.step_index)},
                   {"acquired_at", time_json(lock.acquired_us)}});
  }
  return out;
}

json buildsets_json(const Folded& folded) {
  auto out = json::array();
  for (const auto& [id, set] : folded.history.open_buildsets()) {
    out.push_back({{"id", id},
                   {"submitted", set.submitted},
                   {"open_requests", set.open},
                   {"result", result_name(set.result)},
                   {"complete", set.complete()}});
  }
  return out;
}

json state_json(const Folded& folded) {
  json out;
  out["at_sequence"] = folded.sequence;
  out["at_time"] = time_json(folded.time_us);
  out["head_sequence"] = folded.head;
  if (folded.recorded) {
    out["config"] = {
        {"sequence", folded.recorded->sequence},
        {"path", folded.recorded->loaded.path()},
        {"sha256", folded.recorded->loaded.content_sha256()},
        {"master_id", folded.recorded->master_id},
        {"recorded_at", time_json(folded.recorded->time_us)},
        {"error", folded.config_error.empty() ? json(nullptr) : json(folded.config_error)}};
  } else {
    out["config"] = nullptr;
  }
  auto schedulers = json::array();
  for (const auto& view : folded.schedulers) schedulers.push_back(scheduler_json(view));
  out["schedulers"] = std::move(schedulers);
  out["builders"] = builders_json(folded);
  out["slaves"] = slaves_json(folded);
  out["locks"] = locks_json(folded);
  out["buildsets"] = buildsets_json(folded);
  return out;
}

std::string text_of(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

void print_changes(std::ostream& out, const char* title, const json& changes) {
  out << "    " << title << ":";
  if (changes.empty()) out << " none";
  out << '\n';
  for (const auto& change : changes) {
    out << "      change " << change["id"] << "  revision " << text_of(change["revision"])
        << "  branch \"" << text_of(change["branch"]) << "\"  "
        << (change["important"].get<bool>() ? "important" : "unimportant") << "  at "
        << text_of(change["at"]) << '\n';
  }
}

void print_text(std::ostream& out, const Folded& folded, const json& state) {
  out << "state at sequence " << folded.sequence << " of " << folded.head;
  if (folded.time_us != 0) out << " (" << format_utc_time(folded.time_us) << ")";
  out << '\n';
  if (!folded.recorded) {
    out << "configuration: none recorded at or before sequence " << folded.sequence
        << " (no ConfigLoaded precedes this point): schedulers are not shown, and builders' "
           "pending requests are in id order\n";
  } else {
    out << "configuration: recorded at sequence " << folded.recorded->sequence << " by master "
        << (folded.recorded->master_id.empty() ? "(none)" : folded.recorded->master_id) << " ("
        << folded.recorded->loaded.path() << ")\n";
    if (!folded.config_error.empty()) {
      out << "  it does not load: " << folded.config_error
          << "\n  schedulers are not shown, and builders' pending requests are in id order\n";
    }
  }

  if (folded.config) {
    out << "schedulers:";
    if (state["schedulers"].empty()) out << " none";
    out << '\n';
    for (const auto& scheduler : state["schedulers"]) {
      out << "  " << text_of(scheduler["name"]) << " (" << text_of(scheduler["type"]) << ")";
      if (!scheduler["builders"].empty()) {
        out << "  builders:";
        for (const auto& b : scheduler["builders"]) out << ' ' << text_of(b);
      }
      out << '\n';
      if (!scheduler["error"].is_null()) {
        out << "    cannot be folded: " << text_of(scheduler["error"]) << '\n';
        continue;
      }
      const auto& mark = scheduler["start_mark"];
      const std::string type = text_of(scheduler["type"]);
      if (mark.is_null() && (type == "triggerable" || type == "force") &&
          scheduler["timers"].empty()) {
        out << "    keeps no state (each " << type << " request is its own buildset)\n";
        continue;
      }
      if (mark.is_null()) {
        out << "    not started\n";
      } else {
        out << "    started at change " << mark["change_id"] << ", buildset " << mark["buildset_id"]
            << " (" << text_of(mark["at"]) << ")\n";
      }
      out << "    stream version " << scheduler["stream_version"] << '\n';
      out << "    timers:";
      if (scheduler["timers"].empty()) out << " none";
      out << '\n';
      for (const auto& timer : scheduler["timers"]) {
        out << "      " << text_of(timer["name"]) << " due " << text_of(timer["due_at"]) << '\n';
      }
      if (!scheduler["pending_changes"].empty() || !scheduler["unclassified_changes"].empty()) {
        print_changes(out, "pending changes", scheduler["pending_changes"]);
        if (!scheduler["unclassified_changes"].empty()) {
          print_changes(out, "unclassified changes", scheduler["unclassified_changes"]);
        }
      }
      if (!scheduler["upstream_buildsets"].empty()) {
        out << "    upstream buildsets not handled yet:";
        for (const auto& bs : scheduler["upstream_buildsets"]) {
          out << " " << bs["buildset"] << (bs["succeeded"].get<bool>() ? " (succeeded)" : "");
        }
        out << '\n';
      }
    }
  }

  out << "builders:";
  if (state["builders"].empty()) out << " none";
  out << '\n';
  for (const auto& builder : state["builders"]) {
    out << "  " << text_of(builder["name"])
        << (builder["configured"].get<bool>() || !folded.config ? "" : " (not configured)") << '\n';
    out << "    pending:";
    if (builder["pending"].empty()) out << " none";
    out << '\n';
    for (const auto& request : builder["pending"]) {
      out << "      request " << request["id"] << "  buildset " << request["buildset"]
          << "  priority " << request["priority"] << "  submitted "
          << text_of(request["submitted_at"]) << '\n';
    }
    for (const auto& request : builder["claimed_not_started"]) {
      out << "    claimed, no build yet: request " << request["id"] << " by "
          << text_of(request["claimed_by"]) << " at " << text_of(request["claimed_at"]) << '\n';
    }
    out << "    running:";
    if (builder["running"].empty()) out << " none";
    out << '\n';
    for (const auto& build : builder["running"]) {
      out << "      #" << build["number"] << "  slave " << text_of(build["slave"]) << "  requests";
      for (const auto& id : build["requests"]) out << ' ' << id;
      out << "  started " << text_of(build["started_at"]);
      if (!build["step"].is_null()) {
        out << "  step " << build["step"]["index"] << " " << text_of(build["step"]["name"]);
      }
      out << '\n';
    }
  }

  out << "slaves:";
  if (state["slaves"].empty()) out << " none";
  out << '\n';
  for (const auto& slave : state["slaves"]) {
    out << "  " << text_of(slave["name"]) << "  ";
    if (slave["attached"].get<bool>()) {
      out << "attached to " << text_of(slave["master_id"]);
    } else {
      out << "detached";
    }
    if (slave["missing"].get<bool>()) out << ", missing";
    if (slave["shutdown_requested"].get<bool>()) out << ", shutting down";
    if (!slave["configured"].get<bool>() && folded.config) out << ", not configured";
    if (slave["max_builds"].is_number() && slave["max_builds"].get<int>() > 0) {
      out << "  max_builds " << slave["max_builds"];
    }
    out << "  running:";
    if (slave["running"].empty()) out << " none";
    for (const auto& build : slave["running"]) {
      out << ' ' << text_of(build["builder"]) << " #" << build["number"];
    }
    out << '\n';
  }

  out << "locks held:";
  if (state["locks"].empty()) out << " none";
  out << '\n';
  for (const auto& lock : state["locks"]) {
    out << "  " << text_of(lock["lock"]);
    if (!lock["slave"].get<std::string>().empty()) out << " on " << text_of(lock["slave"]);
    out << (lock["exclusive"].get<bool>() ? " (exclusive)" : " (counting)") << " held by "
        << text_of(lock["builder"]) << " #" << lock["number"];
    if (!lock["step"].is_null()) out << " step " << lock["step"];
    out << " since " << text_of(lock["acquired_at"]) << '\n';
  }

  out << "buildsets not completed:";
  if (state["buildsets"].empty()) out << " none";
  out << '\n';
  for (const auto& set : state["buildsets"]) {
    out << "  buildset " << set["id"];
    if (set["complete"].get<bool>()) {
      out << "  every request ended (" << text_of(set["result"])
          << "): BuildsetCompleted not recorded yet\n";
      continue;
    }
    if (!set["submitted"].get<bool>()) out << "  (its BuildsetSubmitted is not in the log)";
    out << "  requests open:";
    for (const auto& id : set["open_requests"]) out << ' ' << id;
    out << "  result so far " << text_of(set["result"]) << '\n';
  }
}

}  // namespace

std::optional<StatePoint> parse_state_point(const std::string& text) {
  StatePoint point;
  if (text == "now") {
    point.is_head = true;
    return point;
  }
  if (auto sequence = parse_whole_number(text)) {
    point.sequence = *sequence;
    return point;
  }
  auto time = parse_utc_time(text);
  if (!time) return std::nullopt;
  point.is_time = true;
  point.time_us = *time;
  return point;
}

int run_state(store::EventLog& log, const StateOptions& options, std::ostream& out,
              std::ostream& err) {
  auto point = parse_state_point(options.at);
  if (!point) {
    return report_error(err,
                        "--at '" + options.at +
                            "' is neither a sequence number, nor an ISO-8601 time with a zone "
                            "(e.g. 2026-11-22T10:00:00Z), nor 'now'",
                        kExitUsage);
  }
  Folded folded;
  folded.head = log.head().value();
  if (point->is_head) {
    folded.sequence = folded.head;
  } else if (point->is_time) {
    auto sequence = sequence_at_time(log, point->time_us, folded.head);
    if (!sequence) return report_error(err, sequence.error().message, kExitStoreError);
    folded.sequence = *sequence;
  } else {
    if (point->sequence > folded.head) {
      return report_error(err,
                          "--at " + options.at + " is past the head of the log (sequence " +
                              std::to_string(folded.head) + ")",
                          kExitUsage);
    }
    folded.sequence = point->sequence;
  }

  auto recorded = recorded_config_at(log, folded.sequence);
  if (!recorded) return report_error(err, recorded.error().message, kExitStoreError);
  folded.recorded = std::move(*recorded);
  prepare_cores(folded);

  if (folded.sequence > 0) {
    auto scanned = log.scan(Sequence(1), Sequence(folded.sequence), [&](const events::Envelope& e) {
      folded.history.evolve(e);
      for (auto& view : folded.schedulers) {
        if (view.core) view.core->evolve(e);
      }
      if (folded.distributor) folded.distributor->evolve(e);
      folded.time_us = e.time_us();
      return true;
    });
    if (!scanned) return report_error(err, scanned.error().message, kExitStoreError);
  }

  const json state = state_json(folded);
  if (options.json) {
    out << state.dump() << '\n';
  } else {
    print_text(out, folded, state);
  }
  out.flush();
  return kExitOk;
}

}  // namespace eventbot::replay
