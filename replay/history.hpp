#pragma once
// The replay tool's own fold of the event order: builds and their steps, build requests,
// slaves, held locks and the last recorded configuration. It needs no configuration
// (unlike the scheduler and distributor cores), so `builds`, `requests` and `state` can
// always show it. Only the event order is read: LogChunk events there carry no bytes, and
// nothing here reads the `logs` column family.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "actors/builders/buildset_tracker.hpp"
#include "events/events.pb.h"

namespace eventbot::replay {

// A log of a step: its stream, and how many bytes its chunks hold so far.
struct LogRecord {
  std::string name;  // "stdio" or a named log file
  std::string stream;
  std::uint64_t bytes = 0;
  std::uint64_t chunks = 0;
  bool closed = false;  // a LogClosed was seen
};

struct StepRecord {
  std::uint32_t index = 0;
  std::string name;
  std::optional<events::Result> result;  // unset: not finished
  bool hidden = false;
  // StepFinished's description_done once finished (if any), else StepStarted's description.
  std::vector<std::string> text;
  std::int64_t started_us = 0;
  std::int64_t finished_us = 0;
  std::vector<LogRecord> logs;  // in the order they were opened
};

struct BuildRecord {
  std::string builder;
  std::uint32_t number = 0;
  std::uint64_t first_sequence = 0;  // its BuildStarted (or first event seen)
  bool started = false;              // a BuildStarted was seen
  std::int64_t started_us = 0;
  std::optional<events::Result> result;  // unset: running
  std::int64_t finished_us = 0;
  std::string reason;
  std::string slave;
  std::string master_id;
  std::vector<std::uint64_t> request_ids;
  std::vector<std::string> text;  // BuildFinished's text
  std::string got_revision;       // the last got_revision property set (a JSON string's text)
  std::map<std::uint32_t, StepRecord> steps;
  bool stop_requested = false;
  std::string stopped_by;
  std::string stop_reason;

  bool running() const { return !result.has_value(); }
};

enum class RequestState { pending, claimed, completed, cancelled };
const char* to_string(RequestState state);

struct RequestRecord {
  std::uint64_t id = 0;
  std::uint64_t buildset_id = 0;
  std::string builder;
  std::int32_t priority = 0;
  std::int64_t submitted_us = 0;
  std::uint64_t submit_sequence = 0;
  RequestState state = RequestState::pending;
  // The last claim (kept after completion: who ran it).
  std::string claimed_by;
  std::int64_t claimed_us = 0;
  // claimed: the build of the current claim, once its BuildStarted is seen;
  // completed: the build that completed it.
  std::optional<std::uint32_t> build_number;
  std::vector<std::uint32_t> builds;     // every build that included it, in order
  std::optional<events::Result> result;  // completed
  std::string cancelled_by;
  std::string cancel_reason;
  std::int64_t ended_us = 0;   // completed or cancelled
  std::uint32_t unclaims = 0;  // times it went back to pending (a RETRY, a lost master)
  std::string last_unclaim_reason;
};

struct SlaveRecord {
  std::string name;
  bool attached = false;
  std::string master_id;  // while attached
  std::string host;
  bool shutdown_requested = false;
  bool missing = false;       // a SlaveMissing since it last attached
  std::int64_t since_us = 0;  // of its last attach or detach
};

struct HeldLockRecord {
  std::string lock;
  std::string slave;  // whose copy, for slave locks
  bool exclusive = false;
  std::string builder;
  std::uint32_t build_number = 0;
  std::int32_t step_index = -1;  // -1: the whole build
  std::int64_t acquired_us = 0;
};

struct RecordedConfig {
  std::uint64_t sequence = 0;
  std::int64_t time_us = 0;
  std::string master_id;  // the envelope's
  events::ConfigLoaded loaded;
};

class History {
 public:
  // Folds one event of the event order, in sequence order.
  void evolve(const events::Envelope& event);

  // Every build, in the order of its first event (its BuildStarted).
  const std::vector<BuildRecord>& builds() const { return builds_; }
  const BuildRecord* build(const std::string& builder, std::uint32_t number) const;
  const std::map<std::uint64_t, RequestRecord>& requests() const { return requests_; }
  // Every slave an event names, by name.
  const std::map<std::string, SlaveRecord>& slaves() const { return slaves_; }
  // Locks taken (LockAcquired) and not given back (LockReleased, or the build finished).
  std::vector<HeldLockRecord> held_locks() const;
  // Every builder a request, a buildset or a build names.
  const std::set<std::string>& builders() const { return builders_; }
  const std::optional<RecordedConfig>& last_config() const { return last_config_; }
  // Buildsets not completed (no BuildsetCompleted), by the master's own rule.
  const std::map<std::uint64_t, builders::TrackedBuildset>& open_buildsets() const {
    return buildsets_.open();
  }

  std::uint64_t last_sequence() const { return last_sequence_; }
  std::int64_t last_time_us() const { return last_time_us_; }

 private:
  BuildRecord& build_of(const std::string& builder, std::uint32_t number, std::uint64_t sequence);
  LogRecord* log_of(const std::string& stream);

  std::vector<BuildRecord> builds_;
  std::map<std::pair<std::string, std::uint32_t>, std::size_t> build_index_;
  std::map<std::uint64_t, RequestRecord> requests_;
  std::map<std::string, SlaveRecord> slaves_;
  // log stream -> (index in builds_, step index), from LogOpened
  std::map<std::string, std::pair<std::size_t, std::uint32_t>> log_owners_;
  // (lock, slave, builder, number, step) -> the holder's record
  std::map<std::tuple<std::string, std::string, std::string, std::uint32_t, std::int32_t>,
           HeldLockRecord>
      locks_;
  std::set<std::string> builders_;
  std::optional<RecordedConfig> last_config_;
  builders::BuildsetTracker buildsets_;
  std::uint64_t last_sequence_ = 0;
  std::int64_t last_time_us_ = 0;
};

// "SUCCESS", "FAILURE", ... as the manual spells them (the number for an unknown value).
std::string result_name(events::Result result);

}  // namespace eventbot::replay
