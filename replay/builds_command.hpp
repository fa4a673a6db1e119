#pragma once
// `eventbot-replay DIR builds`: every build with its result, times, slave, requests and
// steps, in the order the builds started.
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "replay/history.hpp"
#include "store/event_log.hpp"

namespace eventbot::replay {

struct BuildsOptions {
  std::string builder;  // only this builder's builds; "" for all
  bool json = false;    // one JSON object per build, one a line
};

// Prints every build (of options.builder) to `out`. An unknown builder (no request or build
// names it and the last recorded configuration does not either) is kExitNotFound.
int run_builds(store::EventLog& log, const BuildsOptions& options, std::ostream& out,
               std::ostream& err);

// Shared with `why` and `state`: one build as JSON (the keys of `builds --json`) and as
// text lines, each line starting with `indent`.
nlohmann::json build_to_json(const BuildRecord& build);
void print_build_text(std::ostream& out, const BuildRecord& build, const std::string& indent);

// A time as JSON: the ISO-8601 text of format_utc_time, or null for 0 (not happened).
nlohmann::json time_json(std::int64_t time_us);
nlohmann::json result_json(const std::optional<events::Result>& result);

// Scans the whole event order into a History. On a store error, reports it and returns
// its exit code in `exit_code`.
std::optional<History> scan_history(store::EventLog& log, std::ostream& err, int& exit_code);

// Whether `builder` is known: in the history or in the last recorded configuration. If not,
// reports it (listing the known ones) and returns false.
bool check_builder_known(const History& history, const std::string& builder, std::ostream& err);

}  // namespace eventbot::replay
