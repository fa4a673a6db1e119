#include "gateway/api/metrics.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace eventbot::gateway::api {
namespace {

// Buildbot's result names, by number.
constexpr std::array<const char*, 7> kResults = {"success",   "warnings", "failure",  "skipped",
                                                 "exception", "retry",    "cancelled"};

void header(std::string& out, const char* name, const char* help, const char* type) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void gauge(std::string& out, const char* name, const char* help, std::uint64_t value) {
  header(out, name, help, "gauge");
  out += std::string(name) + " " + std::to_string(value) + "\n";
}

// A number as Prometheus reads it (no trailing zeros to speak of, never a locale's comma).
std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

}  // namespace

std::string metrics_text(const readmodel::ReadModel& model, const ProcessFigures& figures) {
  std::string out;
  gauge(out, "eventbot_builds_running", "Builds started and not finished.", model.running_builds());
  header(out, "eventbot_builds_finished_total", "Builds finished, by result.", "counter");
  for (std::size_t result = 0; result < kResults.size(); ++result) {
    auto it = model.finished_by_result().find(static_cast<int>(result));
    const std::size_t count = it == model.finished_by_result().end() ? 0 : it->second;
    out += std::string("eventbot_builds_finished_total{result=\"") + kResults[result] + "\"} " +
           std::to_string(count) + "\n";
  }
  gauge(out, "eventbot_build_requests_pending", "Build requests submitted and not claimed.",
        model.pending_requests());
  header(out, "eventbot_build_requests_oldest_pending_seconds",
         "How long the pending build request that has waited longest has waited (0: none).",
         "gauge");
  double waited = 0;
  if (auto submitted = model.oldest_pending_submitted_us()) {
    waited = std::max<double>(0, static_cast<double>(figures.now_us - *submitted) / 1e6);
  }
  out += "eventbot_build_requests_oldest_pending_seconds " + number(waited) + "\n";
  header(out, "eventbot_log_bytes_total", "Bytes of build output recorded in logs.", "counter");
  out += "eventbot_log_bytes_total " + std::to_string(model.log_bytes()) + "\n";
  gauge(out, "eventbot_slaves_attached", "Slaves attached to a master.", model.attached_workers());
  gauge(out, "eventbot_store_size_bytes", "Bytes of the event store's files on disk.",
        figures.store_bytes);
  header(out, "eventbot_store_write_seconds",
         "How long the event store's writes took, each with its WAL sync.", "histogram");
  const auto& writes = figures.store_writes;
  for (std::size_t i = 0; i < store::kWriteSecondsBounds.size(); ++i) {
    out += "eventbot_store_write_seconds_bucket{le=\"" + number(store::kWriteSecondsBounds[i]) +
           "\"} " + std::to_string(writes.at_most[i]) + "\n";
  }
  out += "eventbot_store_write_seconds_bucket{le=\"+Inf\"} " + std::to_string(writes.count) + "\n";
  out += "eventbot_store_write_seconds_sum " + number(writes.sum_seconds) + "\n";
  out += "eventbot_store_write_seconds_count " + std::to_string(writes.count) + "\n";
  header(out, "eventbot_gateway_clients", "The web gateway's clients, by kind.", "gauge");
  out +=
      "eventbot_gateway_clients{kind=\"http\"} " + std::to_string(figures.http_connections) + "\n";
  out += "eventbot_gateway_clients{kind=\"websocket\"} " +
         std::to_string(figures.websocket_clients) + "\n";
  out += "eventbot_gateway_clients{kind=\"sse\"} " + std::to_string(figures.sse_clients) + "\n";
  return out;
}

}  // namespace eventbot::gateway::api
