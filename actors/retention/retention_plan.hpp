#pragma once
// Retention (`horizons` in master.yaml): what the horizons let go, decided from a fold of
// the log, with no I/O. `eventbot-replay stats` shows the plan ("what the horizons would
// free"); a janitor enforcing it deletes the logs it names by ranges in the logs column
// family, never rewriting the event log.
//
//   horizons.logs      builds per builder that keep their logs (the newest finished ones)
//   horizons.log_days  days a finished build keeps its logs
//   horizons.builds    builds per builder kept (older ones keep their summary facts)
//   horizons.changes   changes kept
// 0 keeps everything. A running build is never touched, and keeps its place among the newest.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "actors/config/master_config.hpp"
#include "events/events.pb.h"

namespace eventbot::retention {

struct BuildFacts {
  std::string builder;
  std::uint32_t number = 0;
  std::int64_t finished_us = 0;  // 0: still running
  std::uint64_t log_chunks = 0;
  std::uint64_t log_bytes = 0;    // as the slave sent them (before compression)
  std::vector<std::string> logs;  // its log streams
};

// The fold a plan is made from: every build with its logs' sizes, and the changes.
class RetentionFold {
 public:
  void evolve(const events::Envelope& event);
  // By builder, then number.
  const std::map<std::pair<std::string, std::uint32_t>, BuildFacts>& builds() const {
    return builds_;
  }
  std::uint64_t changes() const { return changes_; }

 private:
  std::map<std::pair<std::string, std::uint32_t>, BuildFacts> builds_;
  std::uint64_t changes_ = 0;
};

struct BuildRef {
  std::string builder;
  std::uint32_t number = 0;
  bool operator==(const BuildRef&) const = default;
};

struct RetentionPlan {
  std::vector<BuildRef> logs_to_prune;  // builds whose logs go, oldest first per builder
  std::uint64_t log_chunks = 0;         // what those logs hold
  std::uint64_t log_bytes = 0;
  std::vector<BuildRef> builds_past_horizon;  // builds beyond horizons.builds
  std::uint64_t changes_past_horizon = 0;
};

RetentionPlan plan_retention(const config::Horizons& horizons, const RetentionFold& fold,
                             std::int64_t now_us);

}  // namespace eventbot::retention
