#pragma once
// `eventbot-replay DIR stats`: the head sequence, events per type, bytes per column family.
#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "store/rocks_event_log.hpp"

namespace eventbot::replay {

struct StatsOptions {
  bool json = false;  // one JSON object instead of aligned text
};

struct StoreStats {
  std::uint64_t head = 0;
  std::map<std::string, std::uint64_t> events_by_type;  // sorted by type name
  std::map<std::string, std::uint64_t> column_family_bytes;
};

// Counts every event of the log up to its head.
store::StoreResult<StoreStats> collect_stats(store::RocksEventLog& log);

// Prints the stats of `log` to `out`, or a store error to `err`. Returns an ExitCode.
int run_stats(store::RocksEventLog& log, const StatsOptions& options, std::ostream& out,
              std::ostream& err);

}  // namespace eventbot::replay
