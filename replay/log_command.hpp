#pragma once
// `eventbot-replay DIR log BUILDER NUMBER [STEP [LOG]]`: a step's log as the raw bytes the
// slave sent (every channel, in order), read by range from the store's log column family;
// without STEP, the build's steps with their logs. `--tail N` prints the last N lines,
// `--follow` keeps printing while the log grows, until the log is closed or the build ends.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "store/rocks_event_log.hpp"

namespace eventbot::replay {

struct LogOptions {
  std::string builder;
  std::uint32_t number = 0;
  std::string step;                 // a step's index or name; "" lists the steps and their logs
  std::string log;                  // "" : "stdio" if the step has one, else its first log
  std::optional<std::size_t> tail;  // the last N lines only
  bool follow = false;
  // How often --follow looks for new chunks.
  std::chrono::milliseconds poll_interval{200};
};

// The last `lines` lines of `text` (a last line without a newline counts as one).
std::string last_lines(const std::string& text, std::size_t lines);

int run_log(store::RocksEventLog& log, const LogOptions& options, std::ostream& out,
            std::ostream& err);

}  // namespace eventbot::replay
