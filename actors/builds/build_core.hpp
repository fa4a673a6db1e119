#pragma once
// BuildCore: the state machine of one build, pure (no I/O, no clock, no CAF). The actor
// around it runs what `next()` asks for, feeds back output and results, and appends the
// event bodies it returns to the build's stream (streams::build), stamping them.
//
//   BuildCore core(setup);
//   append(core.started());                         // BuildStarted
//   for (;;) {
//     auto action = core.next();
//     if (auto* s = std::get_if<StartStep>(&action)) {
//       append(s->started); if (s->finished) { append(*s->finished); continue; }
//       run s->plan ...;  core.step_output(i, out) ...;
//       auto done = core.step_done(i, result);      // StepFinished (+ BuildPropertiesSet)
//       append(done.events...);
//     } else if (auto* f = std::get_if<FinishBuild>(&action)) { append(f->finished); break; }
//   }
//
// `stop` and `slave_lost` may come at any time. After a master restart the actor builds
// a core from the same setup, `evolve`s every event of the build's stream, and either
// re-attaches to `running_step()` (feeding the output it already has again, so parsers
// catch up) or calls `slave_lost()` for a RETRY.
//
// Rules (Buildbot's Build): steps run in order; a step whose do_step_if is false is
// SKIPPED and does not change the build's result; after a halt (halt_on_failure and a
// FAILURE, or an EXCEPTION/CANCELLED step) or a stop, only always_run steps run; after a
// RETRY (lost slave) nothing runs. A stop interrupts the running step (CANCELLED unless
// it succeeded anyway) and makes the build CANCELLED. A step whose parameters cannot be
// prepared (an interpolation names an unset property) is an EXCEPTION.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "actors/builds/properties.hpp"
#include "actors/builds/results.hpp"
#include "actors/builds/steps/step_plan.hpp"
#include "actors/config/master_config.hpp"
#include "events/events.pb.h"

namespace eventbot::builds {

struct BuildSetup {
  config::BuilderConfig builder;
  std::uint32_t build_number = 0;
  // The buildset's properties and the global and slave ones, each with its source; the
  // builder's (BuilderConfig.properties, "Builder") and the standard ones ("Build") are
  // added by the core. Precedence is by source (properties.hpp), not by list order.
  std::vector<events::Property> properties;
  std::vector<events::SourceStamp> sourcestamps;
  std::string slave;
  std::string slave_builder_dir;  // the builder's directory on the slave: property workdir
};

struct StartStep {
  std::uint32_t index = 0;
  events::StepStarted started;
  StepPlan plan;
  // Set when the step is already over: SKIPPED (do_step_if false) or EXCEPTION (its
  // parameters could not be prepared). Append it after `started`; nothing runs.
  std::optional<events::StepFinished> finished;
};

struct WaitForStep {
  std::uint32_t index = 0;  // the running step
};

struct FinishBuild {
  events::BuildFinished finished;
};

using BuildAction = std::variant<StartStep, WaitForStep, FinishBuild>;

struct StepDone {
  events::StepFinished finished;
  std::optional<events::BuildPropertiesSet> properties;  // append after `finished`
  std::vector<GeneratedLog> logs;                        // logs the step made ("warnings")
  bool halt = false;                                     // only always_run steps follow
};

// How a build ends after an internal error (build_actor's exception handler): the
// running step, if any, and the build end EXCEPTION.
struct AbortedBuild {
  std::optional<events::StepFinished> step;
  events::BuildFinished finished;
};

// What a lost slave changes: the running step ends RETRY (`step`, appended like any step's
// end), or, between steps, the loss itself is the event (`between_steps`). Either way
// nothing more runs and the next `next()` finishes the build RETRY.
struct SlaveLoss {
  std::optional<StepDone> step;
  std::optional<events::BuildSlaveLost> between_steps;
};

struct StopDecision {
  events::BuildStopRequested requested;
  std::optional<std::uint32_t> interrupt;  // the running step to interrupt
};

class BuildCore {
 public:
  explicit BuildCore(BuildSetup setup);
  ~BuildCore();
  BuildCore(BuildCore&&) noexcept;
  BuildCore& operator=(BuildCore&&) noexcept;

  // The BuildStarted body (builder, number, slave, properties); request ids and reason are
  // the actor's to fill.
  events::BuildStarted started() const;

  // What to do now. Starting a step changes the state (calling again gives WaitForStep);
  // once finished it returns the same FinishBuild.
  BuildAction next();

  // Output of the running step, for its parsers. Other indexes are ignored.
  void step_output(std::uint32_t index, const wire::Output& output);
  // The running step ended (a slave command, or the slave end of a transfer).
  std::optional<StepDone> step_done(std::uint32_t index, const wire::CommandResult& result);
  // The running step ended (master_shell_command, set_property, trigger).
  std::optional<StepDone> step_done(std::uint32_t index, const MasterActionResult& result);

  // A user stopped the build; nullopt when it is already finished or stopping.
  std::optional<StopDecision> stop(const std::string& who, const std::string& reason);
  // The slave went away: the running step (if any) ends RETRY and the build with it.
  // Nothing when the build is already finished.
  SlaveLoss slave_lost();
  // Something went wrong that no step accounts for (an exception in the master's own
  // handling of the build): the running step and the build end EXCEPTION, `why` in
  // their text, so the build is never left running with its requests claimed. Touches
  // nothing but the running step's index, whatever state the failure left.
  AbortedBuild abort(const std::string& why);

  // Folds one of this build's own events (BuildStarted, StepStarted, StepFinished,
  // BuildPropertiesSet, BuildStopRequested, BuildSlaveLost, BuildFinished); others are
  // ignored.
  void evolve(const events::Envelope& envelope);

  struct RunningStep {
    std::uint32_t index;
    const StepPlan* plan;  // null when the step could not be prepared again
  };
  std::optional<RunningStep> running_step() const;

  const Properties& properties() const { return properties_; }
  Result result() const { return result_; }
  bool halted() const { return halted_; }
  bool stopped() const { return stopped_; }
  bool finished() const { return finished_.has_value(); }
  const BuildSetup& setup() const { return setup_; }

 private:
  struct Running;
  StepContext context() const;
  events::StepStarted step_started_body(std::uint32_t index,
                                        const std::vector<std::string>& description) const;
  events::StepFinished step_finished_body(std::uint32_t index, Result result,
                                          const std::vector<std::string>& text, bool hidden) const;
  StepDone complete(std::uint32_t index, StepOutcome outcome);
  void on_build_started(const events::BuildStarted& body);
  void on_step_started(const events::StepStarted& body, std::unique_ptr<Running> running);
  void on_step_finished(const events::StepFinished& body);
  void on_properties_set(const events::BuildPropertiesSet& body);
  void on_stop(const events::BuildStopRequested& body);
  void on_slave_lost();
  void on_finished(const events::BuildFinished& body);

  BuildSetup setup_;
  std::vector<CommonOptions> common_;
  Properties properties_;
  Result result_ = events::SUCCESS;
  bool halted_ = false;
  bool stopped_ = false;
  bool lost_ = false;
  std::uint32_t next_index_ = 0;
  std::unique_ptr<Running> running_;
  std::vector<std::string> failed_steps_;
  std::optional<events::BuildFinished> finished_;
};

}  // namespace eventbot::builds
