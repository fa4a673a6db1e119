#pragma once
// The log events of a build's steps. Pure (no I/O, no CAF, no clock): the build actor
// appends what these return.
//
// - A step's live output (a slave command's updates, a master command's output): the
//   first output of a log ("stdio", or a logfile's name) opens it (LogOpened, on the
//   build's stream), each non-empty piece is a LogChunk on the log's stream
//   (streams::log) at the log's offset, with the update's seq; when the step ends every
//   log it opened is closed (LogClosed with its bytes and chunks).
// - The logs a step makes itself at its end (BuildCore's StepDone: "warnings", ...):
//   LogOpened, one LogChunk with the whole text (none when empty), LogClosed; then the
//   step's StepFinished and, if it set any, BuildPropertiesSet.
// - After a restart the logs of the running step are restored from the store, each chunk
//   given back to the step's parsers as the wire::Output it came from (stored_output).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/builds/build_core.hpp"
#include "events/events.pb.h"

namespace eventbot::builds {

// One step of one build.
struct StepRef {
  std::string builder;
  std::uint32_t number = 0;
  std::uint32_t step = 0;
};

// One log of the running step, as written so far.
struct LogWriter {
  std::string stream;
  std::uint64_t bytes = 0;
  std::uint64_t chunks = 0;
};

// The name of the log an output goes to: a logfile's name, else "stdio".
std::string log_name(const wire::Output& output);

events::Envelope log_opened(const StepRef& step, const std::string& name);

// The logs of the running step.
class StepLogs {
 public:
  // One piece of the step's output: LogOpened the first time its log is written, then the
  // LogChunk (none for empty data) carrying `seq`, the command update it came in.
  void add_output(const StepRef& step, const wire::Output& output, std::uint64_t seq,
                  std::vector<events::Envelope>& out);
  // LogClosed for every log, with its totals; then none is open.
  void close(std::vector<events::Envelope>& out);
  // After a restart: a log opened before it, on `stream` (chunks are counted by the caller).
  LogWriter& restore(const std::string& name, const std::string& stream);

  bool empty() const { return logs_.empty(); }
  const std::map<std::string, LogWriter>& logs() const { return logs_; }

 private:
  std::map<std::string, LogWriter> logs_;
};

// A stored chunk of log `name` as the output it was (for the parsers after a restart).
wire::Output stored_output(const std::string& name, events::LogChannel channel,
                           const std::string& data);

// The events of a finished step (builder and number: the build's): the logs the step made,
// its StepFinished, its properties.
std::vector<events::Envelope> step_done_events(const std::string& builder, std::uint32_t number,
                                               const StepDone& done);

}  // namespace eventbot::builds
