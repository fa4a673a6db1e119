#pragma once
// `eventbot-replay DIR stats`: the head sequence, events per type, bytes per column family.
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "store/rocks_event_log.hpp"

namespace eventbot::replay {

struct StatsOptions {
  bool json = false;        // one JSON object instead of aligned text
  std::int64_t now_us = 0;  // the time horizons.log_days counts back from; 0: the clock
};

// What the horizons of the last recorded configuration would free now.
struct HorizonStats {
  std::uint64_t config_sequence = 0;                             // the ConfigLoaded read
  std::int64_t changes = 0, builds = 0, logs = 0, log_days = 0;  // the horizons
  std::uint64_t builds_losing_logs = 0;
  std::uint64_t log_chunks = 0;
  std::uint64_t log_bytes = 0;       // as sent (before compression)
  std::uint64_t log_disk_bytes = 0;  // estimate: the logs column family's share
  std::uint64_t builds_past_horizon = 0;
  std::uint64_t changes_past_horizon = 0;
};

struct StoreStats {
  std::uint64_t head = 0;
  std::map<std::string, std::uint64_t> events_by_type;  // sorted by type name
  std::map<std::string, std::uint64_t> column_family_bytes;
  std::optional<HorizonStats> horizons;  // none without a recorded configuration
  std::string horizons_error;            // the recorded configuration does not load
};

// Counts every event of the log up to its head; `now_us` is the time log_days count from.
store::StoreResult<StoreStats> collect_stats(store::RocksEventLog& log, std::int64_t now_us);

// Prints the stats of `log` to `out`, or a store error to `err`. Returns an ExitCode.
int run_stats(store::RocksEventLog& log, const StatsOptions& options, std::ostream& out,
              std::ostream& err);

}  // namespace eventbot::replay
