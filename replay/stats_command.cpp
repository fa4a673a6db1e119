#include "replay/stats_command.hpp"

#include <algorithm>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"

namespace eventbot::replay {
namespace {

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
}

void print_json(std::ostream& out, const StoreStats& stats) {
  nlohmann::json json;
  json["head_sequence"] = stats.head;
  json["events_by_type"] = stats.events_by_type;
  json["column_family_bytes"] = stats.column_family_bytes;
  out << json.dump() << '\n';
}

}  // namespace

store::StoreResult<StoreStats> collect_stats(store::RocksEventLog& log) {
  StoreStats stats;
  stats.head = log.head().value();
  auto scanned = log.scan(Sequence(1), Sequence(stats.head), [&](const events::Envelope& envelope) {
    ++stats.events_by_type[display_type_name(envelope)];
    return true;
  });
  if (!scanned) return unexpected(scanned.error());
  stats.column_family_bytes = log.column_family_bytes();
  return stats;
}

int run_stats(store::RocksEventLog& log, const StatsOptions& options, std::ostream& out,
              std::ostream& err) {
  auto stats = collect_stats(log);
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
