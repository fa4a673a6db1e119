#pragma once
// `eventbot-replay DIR export` and `eventbot-replay NEWDIR import`: a log as JSON lines
// (for moving a master, test fixtures, bug reports) and back into a fresh store.
//
// Each line is one Envelope in protobuf's JSON mapping, exactly as `list --json` prints
// it (map entries sorted by key), except that a LogChunk carries its bytes (`data`,
// base64, read from the logs column family). Import writes each event with its own
// sequence, stream version, time and links, and a chunk's bytes back into the logs
// column family: export, import, export gives the same bytes.
#include <cstdint>
#include <filesystem>
#include <istream>
#include <ostream>
#include <string>

#include "store/rocks_event_log.hpp"

namespace eventbot::replay {

struct ExportOptions {
  std::uint64_t from = 1;     // first sequence exported
  std::uint64_t to = 0;       // last sequence exported; 0 = the head when it starts
  std::string stream_prefix;  // only events whose stream starts with this; "" all
};

// Prints the events to `out`, one JSON line each. Returns an ExitCode.
int run_export(store::EventLog& log, const ExportOptions& options, std::ostream& out,
               std::ostream& err);

struct ImportResult {
  std::uint64_t events = 0;
  std::uint64_t log_chunks = 0;
  std::uint64_t first = 0, last = 0;  // sequences
};

// Reads JSON lines from `in` into the store at `dir`, which must be absent, an empty
// directory or a store with no events. A line that is not an event (or an event whose
// sequence does not follow the one before) stops the import with exit code 1 and a
// message naming the line; the events of the lines before it stay written.
int run_import(const std::filesystem::path& dir, std::istream& in, std::ostream& out,
               std::ostream& err);

}  // namespace eventbot::replay
