#pragma once
// `eventbot-replay DIR verify`: checks a store end to end, for a person or a cron job.
//
//   - checksums: every block of every SST file against the checksum RocksDB recorded;
//   - every event record parses and names the sequence of its key; sequences are dense
//     from 1 to the head;
//   - every stream's versions run 1, 2, 3, ... in sequence order, and the streams index
//     holds exactly one entry per event, naming its sequence;
//   - every LogChunk has its bytes in the logs column family (a record that parses, of
//     the size the event says), and the logs column family holds nothing else;
//   - every saved projection snapshot equals the projection folded from the first event
//     up to the snapshot's sequence (a difference shows a fold that is not deterministic).
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "replay/projection_folds.hpp"
#include "store/rocks_event_log.hpp"

namespace eventbot::replay {

struct VerifyOptions {
  bool json = false;              // the report as one JSON object instead of text
  std::size_t max_problems = 20;  // problems shown; every problem is counted
  // Folds for more projections (name prefix -> maker), tried before the master's own:
  // tests use it to check a fold of their own.
  std::map<std::string, FoldMaker> extra_folds;
};

struct SnapshotCheck {
  std::string projection;
  std::uint64_t sequence = 0;
  std::string result;  // "match", "mismatch", "not checked"
  std::string detail;  // why not checked, or how they differ
};

struct VerifyReport {
  std::uint64_t head = 0;
  std::uint64_t events = 0;
  std::uint64_t unknown_events = 0;  // bodies this Eventbot does not know (a newer one's)
  std::uint64_t streams = 0;
  std::uint64_t index_entries = 0;
  std::uint64_t log_chunks = 0;
  std::uint64_t log_bytes = 0;
  std::uint64_t sst_files = 0;
  std::vector<SnapshotCheck> snapshots;
  std::vector<std::string> problems;  // the first max_problems
  std::uint64_t problem_count = 0;
  double seconds = 0;
  bool ok() const { return problem_count == 0; }
};

// Runs every check on `log`. Store errors met on the way are problems of the report.
VerifyReport verify_store(store::RocksEventLog& log, const VerifyOptions& options);

// "verify OK: ..." or "verify FAILED: N problems ...": one line, for a cron job's mail.
std::string summary_line(const VerifyReport& report);

// Prints the problems (one a line) and the summary line; returns kExitOk, or
// kExitVerifyFailed when any check failed.
int run_verify(store::RocksEventLog& log, const VerifyOptions& options, std::ostream& out,
               std::ostream& err);

}  // namespace eventbot::replay
