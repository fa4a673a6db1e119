#include "replay/requests_command.hpp"

#include "replay/builds_command.hpp"
#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"

namespace eventbot::replay {

nlohmann::json request_to_json(const RequestRecord& request) {
  nlohmann::json json;
  json["id"] = request.id;
  json["buildset"] = request.buildset_id;
  json["builder"] = request.builder;
  json["priority"] = request.priority;
  json["submitted_at"] = time_json(request.submitted_us);
  json["state"] = to_string(request.state);
  const bool has_claim = request.state == RequestState::claimed ||
                         (request.state != RequestState::pending && !request.claimed_by.empty());
  json["claimed_by"] = has_claim ? nlohmann::json(request.claimed_by) : nlohmann::json(nullptr);
  json["claimed_at"] = time_json(has_claim ? request.claimed_us : 0);
  json["build"] =
      request.build_number ? nlohmann::json(*request.build_number) : nlohmann::json(nullptr);
  json["builds"] = request.builds;
  json["result"] = result_json(request.result);
  const bool cancelled = request.state == RequestState::cancelled;
  json["cancelled_by"] = cancelled ? nlohmann::json(request.cancelled_by) : nlohmann::json(nullptr);
  json["cancel_reason"] =
      cancelled ? nlohmann::json(request.cancel_reason) : nlohmann::json(nullptr);
  json["ended_at"] = time_json(request.ended_us);
  json["unclaims"] = request.unclaims;
  return json;
}

std::string request_text(const RequestRecord& request) {
  std::string line = "request " + std::to_string(request.id) + "  buildset " +
                     std::to_string(request.buildset_id) + "  builder " + request.builder +
                     "  priority " + std::to_string(request.priority) + "  submitted " +
                     format_utc_time(request.submitted_us) + "  ";
  switch (request.state) {
    case RequestState::pending:
      line += "pending";
      break;
    case RequestState::claimed:
      line += "claimed by " + request.claimed_by + " at " + format_utc_time(request.claimed_us);
      line += request.build_number ? ", build #" + std::to_string(*request.build_number)
                                   : std::string(", no build started yet");
      break;
    case RequestState::completed:
      line += "completed " + (request.result ? result_name(*request.result) : std::string("?"));
      if (request.build_number) line += " by build #" + std::to_string(*request.build_number);
      break;
    case RequestState::cancelled:
      line += "cancelled";
      if (!request.cancelled_by.empty()) line += " by " + request.cancelled_by;
      if (!request.cancel_reason.empty()) line += ": " + request.cancel_reason;
      break;
  }
  // Earlier builds that included it and did not complete it (a RETRY before a rerun).
  std::vector<std::uint32_t> earlier = request.builds;
  if (request.build_number && !earlier.empty() && earlier.back() == *request.build_number) {
    earlier.pop_back();
  }
  if (!earlier.empty()) {
    line += "  (earlier builds:";
    for (auto number : earlier) line += " #" + std::to_string(number);
    line += ")";
  }
  return line;
}

int run_requests(store::EventLog& log, const RequestsOptions& options, std::ostream& out,
                 std::ostream& err) {
  int exit_code = kExitOk;
  auto history = scan_history(log, err, exit_code);
  if (!history) return exit_code;
  if (!check_builder_known(*history, options.builder, err)) return kExitNotFound;
  for (const auto& [id, request] : history->requests()) {
    if (!options.builder.empty() && request.builder != options.builder) continue;
    out << (options.json ? request_to_json(request).dump() : request_text(request)) << '\n';
    if (!out.good()) break;
  }
  out.flush();
  return kExitOk;
}

}  // namespace eventbot::replay
