#include "replay/diff_command.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"
#include "replay/state_command.hpp"

namespace eventbot::replay {

using nlohmann::json;

StateAt state_at(store::EventLog& log, const std::string& at) {
  std::ostringstream out, err;
  StateAt result;
  result.code = run_state(log, StateOptions{at, true}, out, err);
  if (result.code != kExitOk) {
    result.error = err.str();
    return result;
  }
  result.state = json::parse(out.str());
  return result;
}

namespace {

// Objects of an array, by the value of `key` (as text).
std::map<std::string, json> by_key(const json& array, const std::string& key) {
  std::map<std::string, json> out;
  if (!array.is_array()) return out;
  for (const auto& item : array) out[item[key].dump()] = item;
  return out;
}

// `key` values in `after` and not in `before` (added) and the other way (removed).
std::pair<json, json> added_removed(const json& before, const json& after, const std::string& key) {
  auto b = by_key(before, key), a = by_key(after, key);
  json added = json::array(), removed = json::array();
  for (const auto& [k, item] : a) {
    if (!b.count(k)) added.push_back(item[key]);
  }
  for (const auto& [k, item] : b) {
    if (!a.count(k)) removed.push_back(item[key]);
  }
  return {added, removed};
}

// Fields whose values differ between two objects: {field: [before, after]}.
json changed_fields(const json& before, const json& after, const std::set<std::string>& skip) {
  json out = json::object();
  for (const auto& [field, value] : after.items()) {
    if (skip.count(field)) continue;
    const json old = before.contains(field) ? before[field] : json();
    if (old != value) out[field] = json::array({old, value});
  }
  return out;
}

}  // namespace

json diff_states(const json& a, const json& b) {
  json out;
  out["from"] = {{"sequence", a["at_sequence"]}, {"time", a["at_time"]}};
  out["to"] = {{"sequence", b["at_sequence"]}, {"time", b["at_time"]}};

  json builders = json::array();
  auto before_builders = by_key(a["builders"], "name");
  for (const auto& [name, after] : by_key(b["builders"], "name")) {
    const json before = before_builders.count(name) ? before_builders[name] : json::object();
    auto [queued, dequeued] =
        added_removed(before.value("pending", json::array()), after["pending"], "id");
    auto [started, stopped] =
        added_removed(before.value("running", json::array()), after["running"], "number");
    if (queued.empty() && dequeued.empty() && started.empty() && stopped.empty()) continue;
    builders.push_back({{"name", after["name"]},
                        {"queued", queued},
                        {"left_queue", dequeued},
                        {"started_running", started},
                        {"stopped_running", stopped}});
  }
  out["builders"] = builders;

  json slaves = json::array();
  auto before_slaves = by_key(a["slaves"], "name");
  for (const auto& [name, after] : by_key(b["slaves"], "name")) {
    const json before = before_slaves.count(name) ? before_slaves[name] : json::object();
    auto changes = changed_fields(before, after, {"name", "configured", "max_builds"});
    if (!changes.empty()) slaves.push_back({{"name", after["name"]}, {"changes", changes}});
  }
  out["slaves"] = slaves;

  json schedulers = json::array();
  auto before_schedulers = by_key(a["schedulers"], "name");
  for (const auto& [name, after] : by_key(b["schedulers"], "name")) {
    const json before = before_schedulers.count(name) ? before_schedulers[name] : json::object();
    auto [pending_added, pending_removed] = added_removed(
        before.value("pending_changes", json::array()), after["pending_changes"], "id");
    auto [timers_set, timers_gone] =
        added_removed(before.value("timers", json::array()), after["timers"], "name");
    if (pending_added.empty() && pending_removed.empty() && timers_set.empty() &&
        timers_gone.empty()) {
      continue;
    }
    schedulers.push_back({{"name", after["name"]},
                          {"pending_changes_added", pending_added},
                          {"pending_changes_removed", pending_removed},
                          {"timers_set", timers_set},
                          {"timers_gone", timers_gone}});
  }
  out["schedulers"] = schedulers;

  // A lock is held by a holder: the same lock held by another build is another hold.
  auto holds = [](const json& locks) {
    json out = json::array();
    for (const auto& lock : locks) {
      std::string hold = lock["lock"].get<std::string>() + " by " +
                         lock["builder"].get<std::string>() + " #" + lock["number"].dump();
      if (!lock["step"].is_null()) hold += " step " + lock["step"].dump();
      out.push_back({{"hold", hold}});
    }
    return out;
  };
  auto [locks_taken, locks_released] = added_removed(holds(a["locks"]), holds(b["locks"]), "hold");
  out["locks"] = {{"acquired", locks_taken}, {"released", locks_released}};
  auto [opened, closed] = added_removed(a["buildsets"], b["buildsets"], "id");
  out["buildsets"] = {{"opened", opened}, {"completed", closed}};
  return out;
}

namespace {

std::string join(const json& values, const std::string& prefix = "") {
  std::string out;
  for (const auto& value : values) {
    if (!out.empty()) out += ", ";
    out += prefix + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

}  // namespace

void print_diff_text(std::ostream& out, const json& diff) {
  auto point = [](const json& p) {
    return p["sequence"].dump() +
           (p["time"].is_string() ? " (" + p["time"].get<std::string>() + ")" : "");
  };
  out << "from " << point(diff["from"]) << " to " << point(diff["to"]) << '\n';
  auto line = [&](const std::string& label, const json& values, const std::string& prefix = "") {
    if (!values.empty()) out << "  " << label << ": " << join(values, prefix) << '\n';
  };
  out << "builds started:";
  if (diff["builds_started"].empty()) out << " none";
  out << '\n';
  for (const auto& build : diff["builds_started"]) {
    out << "  " << build["builder"].get<std::string>() << " #" << build["number"] << " at "
        << build["sequence"] << '\n';
  }
  out << "builds finished:";
  if (diff["builds_finished"].empty()) out << " none";
  out << '\n';
  for (const auto& build : diff["builds_finished"]) {
    out << "  " << build["builder"].get<std::string>() << " #" << build["number"] << " "
        << build["result"].get<std::string>() << " at " << build["sequence"] << '\n';
  }
  for (const auto& builder : diff["builders"]) {
    out << "builder " << builder["name"].get<std::string>() << ":\n";
    line("requests queued", builder["queued"]);
    line("requests gone from the queue", builder["left_queue"]);
    line("running", builder["started_running"], "#");
    line("no longer running", builder["stopped_running"], "#");
  }
  for (const auto& slave : diff["slaves"]) {
    out << "slave " << slave["name"].get<std::string>() << ":\n";
    for (const auto& [field, values] : slave["changes"].items()) {
      out << "  " << field << ": " << values[0].dump() << " -> " << values[1].dump() << '\n';
    }
  }
  for (const auto& scheduler : diff["schedulers"]) {
    out << "scheduler " << scheduler["name"].get<std::string>() << ":\n";
    line("pending changes added", scheduler["pending_changes_added"]);
    line("pending changes gone", scheduler["pending_changes_removed"]);
    line("timers set", scheduler["timers_set"]);
    line("timers gone", scheduler["timers_gone"]);
  }
  line("locks acquired", diff["locks"]["acquired"]);
  line("locks released", diff["locks"]["released"]);
  line("buildsets opened", diff["buildsets"]["opened"]);
  line("buildsets completed", diff["buildsets"]["completed"]);
}

int run_diff(store::EventLog& log, const DiffOptions& options, std::ostream& out,
             std::ostream& err) {
  auto a = state_at(log, options.from);
  if (a.code != kExitOk) {
    err << a.error;
    return a.code;
  }
  auto b = state_at(log, options.to);
  if (b.code != kExitOk) {
    err << b.error;
    return b.code;
  }
  json diff = diff_states(a.state, b.state);
  // The builds that started and finished in between, from the events themselves (a build
  // can start and finish between the points, seen in neither state).
  json started = json::array(), finished = json::array();
  const std::uint64_t from = a.state["at_sequence"].get<std::uint64_t>();
  const std::uint64_t to = b.state["at_sequence"].get<std::uint64_t>();
  if (to > from) {
    auto scanned = log.scan(Sequence(from + 1), Sequence(to), [&](const events::Envelope& e) {
      if (e.has_build_started()) {
        started.push_back({{"builder", e.build_started().builder()},
                           {"number", e.build_started().number()},
                           {"sequence", e.sequence()}});
      } else if (e.has_build_finished()) {
        finished.push_back({{"builder", e.build_finished().builder()},
                            {"number", e.build_finished().number()},
                            {"result", events::Result_Name(e.build_finished().result())},
                            {"sequence", e.sequence()}});
      }
      return true;
    });
    if (!scanned) return report_error(err, scanned.error().message, kExitStoreError);
  }
  diff["builds_started"] = started;
  diff["builds_finished"] = finished;
  if (options.json) {
    out << diff.dump() << '\n';
  } else {
    print_diff_text(out, diff);
  }
  out.flush();
  return kExitOk;
}

}  // namespace eventbot::replay
