#include "gateway/api/metrics.hpp"

#include <array>

namespace eventbot::gateway::api {
namespace {

// Buildbot's result names, by number.
constexpr std::array<const char*, 7> kResults = {"success",   "warnings", "failure",  "skipped",
                                                 "exception", "retry",    "cancelled"};

void gauge(std::string& out, const char* name, const char* help, std::size_t value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " +
         std::to_string(value) + "\n";
}

}  // namespace

std::string metrics_text(const readmodel::ReadModel& model) {
  std::string out;
  gauge(out, "eventbot_builds_running", "Builds started and not finished.", model.running_builds());
  out +=
      "# HELP eventbot_builds_finished_total Builds finished, by result.\n"
      "# TYPE eventbot_builds_finished_total counter\n";
  for (std::size_t result = 0; result < kResults.size(); ++result) {
    auto it = model.finished_by_result().find(static_cast<int>(result));
    const std::size_t count = it == model.finished_by_result().end() ? 0 : it->second;
    out += std::string("eventbot_builds_finished_total{result=\"") + kResults[result] + "\"} " +
           std::to_string(count) + "\n";
  }
  gauge(out, "eventbot_build_requests_pending", "Build requests submitted and not claimed.",
        model.pending_requests());
  gauge(out, "eventbot_slaves_attached", "Slaves attached to a master.", model.attached_workers());
  return out;
}

}  // namespace eventbot::gateway::api
