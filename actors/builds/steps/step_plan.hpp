#pragma once
// What a step turns into once its parameters are read and its properties interpolated:
// a StepPlan (what the shell does) and a StepInterpreter (how the outcome is read).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/builds/conditions.hpp"
#include "actors/builds/properties.hpp"
#include "actors/builds/results.hpp"
#include "events/events.pb.h"
#include "events/wire.pb.h"

namespace eventbot::builds {

// The master's end of a file transfer that runs on the slave as `remote`.
struct MasterTransfer {
  enum class Direction { to_master, from_master };
  Direction direction = Direction::to_master;
  // to_master: where to write (file_upload: a file; directory_upload: a directory to
  // unpack the tar stream into). from_master: the file to read and send (file_download).
  // Relative paths are relative to the master's base directory; a leading ~ is the
  // shell's to expand.
  std::string master_path;
  std::optional<std::string> data;    // string_download: the bytes to send instead of a file
  std::optional<std::uint32_t> mode;  // to_master: permissions of the written file
  std::uint64_t max_size = 0;         // 0: no limit
  std::string url;                    // file_upload: a URL for the step's status
  bool compressed = false;            // directory_upload: the tar stream is gzipped
  bool keep_stamp = false;

  bool operator==(const MasterTransfer&) const = default;
};

// master_shell_command: a process the master runs itself.
struct MasterCommand {
  std::vector<std::string> argv;           // either argv ...
  std::string shell;                       // ... or a string for /bin/sh -c
  std::string workdir;                     // relative to the master's base directory ("" = it)
  std::map<std::string, std::string> env;  // added to the master's environment
  std::uint32_t timeout_s = 0;

  bool operator==(const MasterCommand&) const = default;
};

// trigger: buildsets to submit to Triggerable schedulers.
struct TriggerRequest {
  std::vector<std::string> schedulers;
  bool wait_for_finish = false;
  std::vector<events::SourceStamp> sourcestamps;  // empty: the latest (always_use_latest)
  std::vector<events::Property> properties;       // source "Trigger"

  bool operator==(const TriggerRequest&) const;
};

struct StepPlan {
  enum class Kind {
    remote,          // send `remote` to the slave (with `transfer` for file transfers)
    set_properties,  // nothing to run: the core sets `properties` when the step is done
    master_command,  // run `master_command` on the master
    trigger,         // submit `trigger`
    skip,            // do_step_if was false: the step is SKIPPED
  };
  Kind kind = Kind::remote;
  std::optional<wire::StartCommand> remote;  // command_id empty: the shell assigns it
  std::optional<MasterTransfer> transfer;
  std::optional<MasterCommand> master_command;
  std::optional<TriggerRequest> trigger;
  std::vector<events::Property> properties;
  // remote shell commands: open a `logfiles` log only once something is written to it.
  bool lazy_logfiles = false;
};

// A log the step makes itself (compile's "warnings"); the shell writes it as a log.
struct GeneratedLog {
  std::string name;
  std::string text;

  bool operator==(const GeneratedLog&) const = default;
};

// What a finished step reports.
struct StepOutcome {
  Result result = events::SUCCESS;
  std::vector<std::string> text;                  // description_done (+ a result word)
  std::vector<events::Property> properties;       // to set on the build
  std::map<std::string, std::string> statistics;  // StepFinished.statistics
  std::vector<GeneratedLog> logs;
  std::vector<events::StepUrl> urls;
};

// The result of a step the master ran itself (master_shell_command, trigger,
// set_property, the master end of a transfer).
struct MasterActionResult {
  bool ok = true;  // false: the action could not be done (error says why)
  std::string error;
  int rc = 0;  // master_shell_command: the exit status
  bool interrupted = false;
  // trigger with wait_for_finish: the results of the triggered buildsets.
  std::vector<Result> triggered;
};

// Reads one step's output as it arrives (bounded memory: it keeps counts, the current
// partial line and what it reports, never the whole log) and gives its outcome.
class StepInterpreter {
 public:
  virtual ~StepInterpreter() = default;
  virtual void output(const wire::Output& /*output*/) {}
  virtual StepOutcome finish(const wire::CommandResult& result, const Properties& properties);
  virtual StepOutcome finish_master(const MasterActionResult& result, const Properties& properties);

  DecodeRc decode_rc = default_decode_rc();
  std::vector<std::string> description_done;

 protected:
  StepOutcome base_outcome(Result result) const;
};

// The parameters every step takes (the manual's "Common Parameters").
struct CommonOptions {
  ResultFlags flags;
  bool always_run = false;
  Condition do_step_if = Condition::constant(true);
  Condition hide_step_if = Condition::constant(false);
  std::vector<std::string> description;       // while running
  std::vector<std::string> description_done;  // when done
};

struct PreparedStep {
  CommonOptions common;
  StepPlan plan;
  std::unique_ptr<StepInterpreter> interpreter;
};

// What a step needs to know about its build.
struct StepContext {
  std::string builder;  // the StartCommand's builder (its directory on the slave)
  std::map<std::string, std::string> builder_env;  // BuilderConfig.env, under the step's
  std::vector<events::SourceStamp> sourcestamps;
};

}  // namespace eventbot::builds
