#include "replay/stats_command.hpp"

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "actors/retention/retention_plan.hpp"
#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"
#include "replay/recorded_config.hpp"

namespace eventbot::replay {
namespace {

std::int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Prints "  name   value" rows with the names left-aligned and the values right-aligned.
void print_table(std::ostream& out, const std::map<std::string, std::uint64_t>& rows) {
  std::size_t name_width = 0, value_width = 0;
  for (const auto& [name, value] : rows) {
    name_width = std::max(name_width, name.size());
    value_width = std::max(value_width, std::to_string(value).size());
  }
  for (const auto& [name, value] : rows) {
    out << "  " << std::left << std::setw(static_cast<int>(name_width)) << name << "  "
        << std::right << std::setw(static_cast<int>(value_width)) << value << '\n';
  }
}

void print_text(std::ostream& out, const StoreStats& stats) {
  out << "head sequence: " << stats.head << '\n';
  out << "events by type:\n";
  print_table(out, stats.events_by_type);
  out << "bytes by column family:\n";
  print_table(out, stats.column_family_bytes);
  if (!stats.horizons) {
    out << "horizons: "
        << (stats.horizons_error.empty()
                ? "no configuration recorded"
                : "the recorded configuration does not load: " + stats.horizons_error)
        << '\n';
    return;
  }
  const auto& h = *stats.horizons;
  out << "horizons (configuration at sequence " << h.config_sequence << "): changes " << h.changes
      << ", builds " << h.builds << ", logs " << h.logs << ", log_days " << h.log_days
      << " (0 keeps all)\n";
  out << "  would free: the logs of " << h.builds_losing_logs << " builds (" << h.log_chunks
      << " chunks, " << h.log_bytes << " bytes as sent, about " << h.log_disk_bytes
      << " bytes on disk)\n";
  out << "  past the horizons: " << h.builds_past_horizon << " builds, " << h.changes_past_horizon
      << " changes (their events are kept: the event log is never rewritten)\n";
}

void print_json(std::ostream& out, const StoreStats& stats) {
  nlohmann::json json;
  json["head_sequence"] = stats.head;
  json["events_by_type"] = stats.events_by_type;
  json["column_family_bytes"] = stats.column_family_bytes;
  if (stats.horizons) {
    const auto& h = *stats.horizons;
    json["horizons"] = {{"config_sequence", h.config_sequence},
                        {"changes", h.changes},
                        {"builds", h.builds},
                        {"logs", h.logs},
                        {"log_days", h.log_days},
                        {"builds_losing_logs", h.builds_losing_logs},
                        {"log_chunks", h.log_chunks},
                        {"log_bytes", h.log_bytes},
                        {"log_disk_bytes", h.log_disk_bytes},
                        {"builds_past_horizon", h.builds_past_horizon},
                        {"changes_past_horizon", h.changes_past_horizon}};
  } else {
    json["horizons"] = nullptr;
  }
  out << json.dump() << '\n';
}

}  // namespace

store::StoreResult<StoreStats> collect_stats(store::RocksEventLog& log, std::int64_t now_us) {
  StoreStats stats;
  stats.head = log.head().value();
  retention::RetentionFold fold;
  std::uint64_t all_log_bytes = 0;
  auto scanned = log.scan(Sequence(1), Sequence(stats.head), [&](const events::Envelope& envelope) {
    ++stats.events_by_type[display_type_name(envelope)];
    fold.evolve(envelope);
    if (envelope.has_log_chunk()) all_log_bytes += envelope.log_chunk().size();
    return true;
  });
  if (!scanned) return unexpected(scanned.error());
  stats.column_family_bytes = log.column_family_bytes();

  auto recorded = recorded_config_at(log, stats.head);
  if (!recorded) return unexpected(recorded.error());
  if (!*recorded) return stats;
  auto config = load_recorded_config(**recorded);
  if (!config) {
    stats.horizons_error = config.error();
    return stats;
  }
  const auto& horizons = config->horizons;
  auto plan = retention::plan_retention(horizons, fold, now_us);
  HorizonStats h;
  h.config_sequence = (*recorded)->sequence;
  h.changes = horizons.changes;
  h.builds = horizons.builds;
  h.logs = horizons.logs;
  h.log_days = horizons.log_days;
  h.builds_losing_logs = plan.logs_to_prune.size();
  h.log_chunks = plan.log_chunks;
  h.log_bytes = plan.log_bytes;
  if (all_log_bytes > 0) {
    h.log_disk_bytes = static_cast<std::uint64_t>(
        static_cast<double>(stats.column_family_bytes["logs"]) *
        (static_cast<double>(plan.log_bytes) / static_cast<double>(all_log_bytes)));
  }
  h.builds_past_horizon = plan.builds_past_horizon.size();
  h.changes_past_horizon = plan.changes_past_horizon;
  stats.horizons = h;
  return stats;
}

int run_stats(store::RocksEventLog& log, const StatsOptions& options, std::ostream& out,
              std::ostream& err) {
  auto stats = collect_stats(log, options.now_us != 0 ? options.now_us : wall_clock_us());
  if (!stats) return report_error(err, stats.error().message, kExitStoreError);
  if (options.json) {
    print_json(out, *stats);
  } else {
    print_text(out, *stats);
  }
  out.flush();
  return kExitOk;
}

}  // namespace eventbot::replay
