#include "replay/builds_command.hpp"

#include <algorithm>

#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"
#include "replay/recorded_config.hpp"

namespace eventbot::replay {
namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

std::string id_list(const std::vector<std::uint64_t>& ids) {
  std::string out;
  for (auto id : ids) {
    if (!out.empty()) out += ", ";
    out += std::to_string(id);
  }
  return out;
}

}  // namespace

nlohmann::json time_json(std::int64_t time_us) {
  if (time_us == 0) return nullptr;
  return format_utc_time(time_us);
}

nlohmann::json result_json(const std::optional<events::Result>& result) {
  if (!result) return nullptr;
  return result_name(*result);
}

nlohmann::json build_to_json(const BuildRecord& build) {
  nlohmann::json json;
  json["builder"] = build.builder;
  json["number"] = build.number;
  json["result"] = result_json(build.result);
  json["reason"] = build.reason;
  json["started_at"] = time_json(build.started ? build.started_us : 0);
  json["finished_at"] = time_json(build.result ? build.finished_us : 0);
  json["slave"] = build.slave;
  json["master_id"] = build.master_id;
  json["requests"] = build.request_ids;
  json["text"] = build.text;
  json["got_revision"] =
      build.got_revision.empty() ? nlohmann::json(nullptr) : nlohmann::json(build.got_revision);
  json["stop_requested"] = build.stop_requested ? nlohmann::json{{"who", build.stopped_by},
                                                                 {"reason", build.stop_reason}}
                                                : nlohmann::json(nullptr);
  auto steps = nlohmann::json::array();
  for (const auto& [index, step] : build.steps) {
    auto logs = nlohmann::json::array();
    for (const auto& log : step.logs) {
      logs.push_back({{"name", log.name}, {"bytes", log.bytes}, {"complete", log.closed}});
    }
    steps.push_back({{"index", step.index},
                     {"name", step.name},
                     {"result", result_json(step.result)},
                     {"text", step.text},
                     {"hidden", step.hidden},
                     {"logs", std::move(logs)}});
  }
  json["steps"] = std::move(steps);
  return json;
}

void print_build_text(std::ostream& out, const BuildRecord& build, const std::string& indent) {
  out << indent << build.builder << " #" << build.number << "  "
      << (build.result ? result_name(*build.result) : std::string("running"));
  if (build.started) out << "  started " << format_utc_time(build.started_us);
  if (build.result) out << "  finished " << format_utc_time(build.finished_us);
  if (!build.slave.empty()) out << "  slave " << build.slave;
  if (!build.request_ids.empty()) out << "  requests " << id_list(build.request_ids);
  out << '\n';
  if (!build.reason.empty()) out << indent << "  reason: " << build.reason << '\n';
  if (!build.text.empty()) out << indent << "  text: " << joined(build.text) << '\n';
  if (!build.got_revision.empty())
    out << indent << "  got_revision: " << build.got_revision << '\n';
  if (build.stop_requested) {
    out << indent << "  stop requested by " << build.stopped_by;
    if (!build.stop_reason.empty()) out << ": " << build.stop_reason;
    out << '\n';
  }
  std::size_t name_width = 0;
  for (const auto& [index, step] : build.steps) name_width = std::max(name_width, step.name.size());
  for (const auto& [index, step] : build.steps) {
    out << indent << "  step " << step.index << "  " << step.name
        << std::string(name_width - step.name.size(), ' ') << "  "
        << (step.result ? result_name(*step.result) : std::string("running"));
    if (!step.text.empty()) out << "  " << joined(step.text);
    if (step.hidden) out << "  (hidden)";
    if (!step.logs.empty()) {
      out << "  logs:";
      for (const auto& log : step.logs) {
        out << ' ' << log.name << " (" << log.bytes << " bytes" << (log.closed ? "" : ", open")
            << ')';
      }
    }
    out << '\n';
  }
}

std::optional<History> scan_history(store::EventLog& log, std::ostream& err, int& exit_code) {
  History history;
  auto scanned = log.scan(Sequence(1), Sequence(0), [&](const events::Envelope& event) {
    history.evolve(event);
    return true;
  });
  if (!scanned) {
    exit_code = report_error(err, scanned.error().message, kExitStoreError);
    return std::nullopt;
  }
  exit_code = kExitOk;
  return history;
}

bool check_builder_known(const History& history, const std::string& builder, std::ostream& err) {
  if (builder.empty() || history.builders().contains(builder)) return true;
  std::set<std::string> known = history.builders();
  if (const auto& recorded = history.last_config()) {
    if (auto config = load_recorded_config(*recorded)) {
      for (const auto& configured : config.value().builders) {
        if (configured.name == builder) return true;
        known.insert(configured.name);
      }
    }
  }
  std::string message = "unknown builder '" + builder +
                        "': no build request or build in the log names it, nor does the last "
                        "recorded configuration";
  if (known.empty()) {
    message += " (the log names no builder at all)";
  } else {
    message += "; known builders:";
    for (const auto& name : known) message += " " + name;
  }
  report_error(err, message, kExitNotFound);
  return false;
}

int run_builds(store::EventLog& log, const BuildsOptions& options, std::ostream& out,
               std::ostream& err) {
  int exit_code = kExitOk;
  auto history = scan_history(log, err, exit_code);
  if (!history) return exit_code;
  if (!check_builder_known(*history, options.builder, err)) return kExitNotFound;
  bool first = true;
  for (const auto& build : history->builds()) {
    if (!options.builder.empty() && build.builder != options.builder) continue;
    if (options.json) {
      out << build_to_json(build).dump() << '\n';
    } else {
      if (!first) out << '\n';
      print_build_text(out, build, "");
    }
    first = false;
    if (!out.good()) break;
  }
  out.flush();
  return kExitOk;
}

}  // namespace eventbot::replay
