#pragma once
// The pure core every scheduler shares: the commands a scheduler's actor sends it, the
// decisions it returns, and the base class that folds the facts every scheduler keeps
// (its stream's version, its start mark, its pending timers).
//
// Shape (docs: actors/schedulers/README.md):
//   - evolve(envelope) folds one event of the log: changes, the scheduler's own stream,
//     buildsets. It never fails and never reads the clock.
//   - decide(command) const returns the events to append to the scheduler's stream and
//     the buildsets to submit, or a typed error. Time comes only inside commands.
//   - next_timers() lists the timers pending in the folded state, for the actor to arm.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/config/master_config.hpp"
#include "common/expected.hpp"
#include "common/strong_type.hpp"
#include "events/causes.hpp"
#include "events/events.pb.h"

namespace eventbot::snapshots {
class SchedulerSnapshot;  // events/snapshots.proto
}  // namespace eventbot::snapshots

namespace eventbot::schedulers {

using events::Envelope;

// ---------------------------------------------------------------------------------
// What a decision asks for
// ---------------------------------------------------------------------------------

// A buildset to submit; buildset_events() turns it into events once the actor has
// allocated its ids.
struct BuildsetIntent {
  std::string scheduler;
  std::string reason;
  std::vector<events::SourceStamp> sourcestamps;
  std::vector<events::Property> properties;  // each with its source ("Scheduler", ...)
  std::vector<std::string> builder_names;    // one build request per builder
  std::uint64_t parent_buildset_id = 0;
  std::string external_idstring;
};

struct Decision {
  // Events for the scheduler's own stream (stream already set), in order. Append them
  // first, expecting the stream at SchedulerCore::version(), in the same batch as the
  // buildsets' events (see to_append_request in buildset_events.hpp).
  std::vector<Envelope> events;
  std::vector<BuildsetIntent> buildsets;
  bool empty() const { return events.empty() && buildsets.empty(); }
};

struct SchedulerError {
  enum class Code {
    not_started,       // a change or upstream result before the scheduler's Start
    not_supported,     // Force to a scheduler that is not a force scheduler, ...
    unknown_builder,   // Force naming a builder the scheduler does not have
    invalid_argument,  // a property value that is not JSON, ...
    invalid_config,    // make_scheduler: a bad regex, an impossible Nightly schedule, ...
    snapshot_refused,  // restore: another format, type or configuration, or not a snapshot
  };
  Code code = Code::invalid_argument;
  std::string message;
};

using DecideResult = Expected<Decision, SchedulerError>;

// ---------------------------------------------------------------------------------
// Commands. The actor stamps every time; the core never reads a clock.
// ---------------------------------------------------------------------------------

// The scheduler starts (master start or reconfig). On an empty stream it records its
// start mark, so that changes and upstream buildsets from before it existed never
// build; on every start it considers changes the log has but it has not classified
// (e.g. after a crash) and re-plans timed schedules.
struct Start {
  std::int64_t now_us = 0;
  std::uint64_t last_change_id = 0;    // version of the `changes` stream as folded
  std::uint64_t last_buildset_id = 0;  // largest buildset id in the log as folded
};

// A change arrived: change_id is its version in the `changes` stream, time_us the
// time of its envelope (tree-stable timers count from it).
struct ConsiderChange {
  std::uint64_t change_id = 0;
  events::ChangeAdded change;
  std::int64_t time_us = 0;
};

// A timer the actor armed from next_timers() went off. Unknown, already fired or
// not-yet-due timers give an empty decision (re-arm from next_timers()).
struct TimerDue {
  std::string timer;
  std::int64_t now_us = 0;
};

// The force form (web, IRC, CLI). Only a force scheduler accepts it.
struct Force {
  std::string who;
  std::string reason;                 // empty: the scheduler's configured reason
  std::optional<std::string> branch;  // unset: the scheduler's branch (or the default)
  std::string revision;               // empty: the newest
  std::string repository;
  std::string project;
  config::PropertyMap properties;     // name -> JSON text; source "Force Build Form"
  std::vector<std::string> builders;  // empty: all of the scheduler's builders
};

// A Trigger step in another build. Only a triggerable scheduler accepts it.
struct Trigger {
  std::vector<events::SourceStamp> sourcestamps;
  std::vector<events::Property> properties;  // an empty source becomes "Trigger"
  std::uint64_t parent_buildset_id = 0;
  std::string external_idstring;
  // The build and step that trigger (recorded as the buildset's cause), and the step's
  // StepStarted, which the buildset's events are linked to.
  std::string parent_builder;
  std::uint32_t parent_build_number = 0;
  std::uint32_t parent_step_index = 0;
  events::Cause step_started;
};

// A buildset completed; a Dependent scheduler acts on its upstream's.
struct UpstreamCompleted {
  std::uint64_t buildset_id = 0;
  events::Result result = events::SUCCESS;
};

using Command = std::variant<Start, ConsiderChange, TimerDue, Force, Trigger, UpstreamCompleted>;

// A timer pending in the folded state: arm it at max(due_us, now).
struct PendingTimer {
  std::string name;
  std::int64_t due_us = 0;
  bool operator==(const PendingTimer&) const = default;
};

// Where a scheduler started: changes and buildsets with ids up to these never build.
struct StartMark {
  std::uint64_t change_id = 0;
  std::uint64_t buildset_id = 0;
  std::int64_t time_us = 0;
};

// Timer names, as they appear in SchedulerTimer* events.
inline constexpr char kTreeStableTimer[] = "tree-stable";  // AnyBranch: "tree-stable:<branch>"
inline constexpr char kPeriodicTimer[] = "periodic";
inline constexpr char kNightlyTimer[] = "nightly";
// The SchedulerStateSaved key of the start mark.
inline constexpr char kStartKey[] = "start";
// The format of SchedulerCore::snapshot(); bump it when the encoding changes meaning.
inline constexpr std::uint32_t kSchedulerSnapshotFormat = 1;

// ---------------------------------------------------------------------------------
// The base of every scheduler core
// ---------------------------------------------------------------------------------

class SchedulerCore {
 public:
  explicit SchedulerCore(config::SchedulerConfig config);
  virtual ~SchedulerCore() = default;
  SchedulerCore& operator=(const SchedulerCore&) = delete;

  const config::SchedulerConfig& config() const { return *config_; }
  const std::string& name() const { return config_->name; }
  // streams::scheduler(name()).
  const std::string& stream() const { return stream_; }
  // The version of the scheduler's stream as folded: append decisions expecting it.
  StreamVersion version() const { return version_; }
  bool started() const { return mark_.has_value(); }
  const std::optional<StartMark>& start_mark() const { return mark_; }

  // Folds one event of the log (any stream; irrelevant events are ignored).
  void evolve(const Envelope& event);
  DecideResult decide(const Command& command) const;
  // The pending timers, earliest first.
  std::vector<PendingTimer> next_timers() const;
  std::optional<std::int64_t> timer_due(const std::string& name) const;

  // Snapshots (README.md, "Snapshots"): the whole folded state, encoded with its format
  // number and the configuration it was folded under (events/snapshots.proto); and its
  // restore into a core made from the same configuration (make_scheduler), which then
  // equals the core that took it. A snapshot of another format, scheduler type or
  // configuration, or bytes that are not a snapshot, are refused with snapshot_refused
  // and leave the core untouched: the caller folds the log from scratch instead.
  std::string snapshot() const;
  Expected<Ok, SchedulerError> restore(std::string_view encoded);

 protected:
  SchedulerCore(const SchedulerCore&) = default;

  // decide() handlers. The defaults: Start records nothing, changes, timers and
  // upstream results are ignored, Force and Trigger are refused.
  virtual DecideResult decide_start(const Start& command) const;
  virtual DecideResult decide_change(const ConsiderChange& command) const;
  virtual DecideResult decide_timer(const TimerDue& command) const;
  virtual DecideResult decide_force(const Force& command) const;
  virtual DecideResult decide_trigger(const Trigger& command) const;
  virtual DecideResult decide_upstream(const UpstreamCompleted& command) const;

  // evolve() hooks, called after the common bookkeeping.
  virtual void fold_change(std::uint64_t /*id*/, std::int64_t /*time_us*/,
                           const events::ChangeAdded& /*change*/) {}
  virtual void fold_classified(std::uint64_t /*id*/, bool /*important*/) {}
  virtual void fold_started(const StartMark& /*mark*/) {}
  // A SchedulerStateSaved of the scheduler's stream other than the start mark.
  virtual void fold_state(const std::string& /*key*/, const std::string& /*value_json*/) {}
  virtual void fold_own_buildset(const events::BuildsetSubmitted& /*buildset*/) {}
  virtual void fold_other_buildset(const events::BuildsetSubmitted& /*buildset*/) {}
  virtual void fold_buildset_completed(const events::BuildsetCompleted& /*completed*/) {}

  // Snapshot hooks: a subclass with state of its own writes it into the snapshot's
  // `state` oneof, and restores it (all or nothing; false: not its kind of state). The
  // defaults write and accept `none`.
  virtual void save_state(snapshots::SchedulerSnapshot& out) const;
  virtual bool restore_state(const snapshots::SchedulerSnapshot& in);

  // Used on a scratch copy inside decide(): append to the decision and fold at once,
  // so that the next step of the same decision sees the state it leaves.
  void emit(Decision& decision, Envelope event);
  void emit_buildset(Decision& decision, BuildsetIntent intent);
  // Records the start mark if the scheduler has none yet.
  void emit_start_mark(Decision& decision, const Start& command);
  void emit_timer_set(Decision& decision, const std::string& timer, std::int64_t due_us);
  void emit_timer_fired(Decision& decision, const std::string& timer, std::int64_t due_us);

  // A buildset of this scheduler for all its builders, with its properties.
  BuildsetIntent new_intent(std::string reason) const;
  // "The <kind> scheduler named '<name>' triggered this build".
  std::string triggered_reason(const std::string& kind) const;
  // The scheduler's branch (unset: the default branch "") at its newest revision.
  events::SourceStamp branch_sourcestamp() const;
  // The due time of the command's timer if it is `timer`, pending and due by now_us.
  std::optional<std::int64_t> due_now(const TimerDue& command, const std::string& timer) const;
  // The largest change and buildset ids folded so far.
  std::uint64_t last_change_seen() const { return last_change_seen_; }
  std::uint64_t last_buildset_seen() const { return last_buildset_seen_; }
  static SchedulerError error(SchedulerError::Code code, std::string message);
  SchedulerError not_started_error() const;

 private:
  std::shared_ptr<const config::SchedulerConfig> config_;
  std::string stream_;
  StreamVersion version_;
  std::optional<StartMark> mark_;
  std::map<std::string, std::int64_t> timers_;
  std::uint64_t last_change_seen_ = 0;
  std::uint64_t last_buildset_seen_ = 0;
};

// Builds "A 'x' B" style texts with a JSON-quoted value.
std::string json_quote(const std::string& text);

// Properties by name, where a later set() wins, as the manual orders sources
// (Scheduler < Change < Force Build Form / Trigger).
class PropertyBag {
 public:
  void set(const std::string& name, std::string value_json, std::string source);
  void set(const events::Property& property);
  std::vector<events::Property> list() const;  // sorted by name

 private:
  std::map<std::string, events::Property> by_name_;
};

// The scheduler's own properties: each configured one and `scheduler` = its name,
// all with source "Scheduler".
PropertyBag scheduler_properties(const config::SchedulerConfig& config);

}  // namespace eventbot::schedulers
