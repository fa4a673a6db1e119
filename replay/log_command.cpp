#include "replay/log_command.hpp"

#include <algorithm>
#include <thread>

#include "replay/builds_command.hpp"
#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"

namespace eventbot::replay {
namespace {

// The step named by `wanted` (its index, or its name when that is unique), or an error.
const StepRecord* find_step(const BuildRecord& build, const std::string& wanted,
                            std::string& error) {
  if (auto index = parse_whole_number(wanted); index && *index <= UINT32_MAX) {
    auto it = build.steps.find(static_cast<std::uint32_t>(*index));
    if (it != build.steps.end()) return &it->second;
  }
  const StepRecord* found = nullptr;
  for (const auto& [index, step] : build.steps) {
    if (step.name != wanted) continue;
    if (found) {
      error = "build " + build.builder + " #" + std::to_string(build.number) +
              " has several steps named '" + wanted + "': give the step's index";
      return nullptr;
    }
    found = &step;
  }
  if (found) return found;
  error = "build " + build.builder + " #" + std::to_string(build.number) + " has no step '" +
          wanted + "'; its steps:";
  for (const auto& [index, step] : build.steps) {
    error += " " + std::to_string(index) + " (" + step.name + ")";
  }
  if (build.steps.empty()) error += " none yet";
  return nullptr;
}

const LogRecord* find_log(const StepRecord& step, const std::string& wanted) {
  for (const auto& log : step.logs) {
    if (log.name == (wanted.empty() ? "stdio" : wanted)) return &log;
  }
  if (wanted.empty() && !step.logs.empty()) return &step.logs.front();
  return nullptr;
}

void print_steps(std::ostream& out, const BuildRecord& build) {
  for (const auto& [index, step] : build.steps) {
    out << index << "  " << step.name << "  "
        << (step.result ? result_name(*step.result) : std::string("running"));
    if (step.logs.empty()) out << "  (no logs)";
    for (const auto& log : step.logs) {
      out << "  " << log.name << " (" << log.bytes << " bytes" << (log.closed ? "" : ", open")
          << ')';
    }
    out << '\n';
  }
}

// Reads the log's chunks from `next` on and hands their bytes to `sink`; returns the index
// after the last chunk read.
template <class Sink>
store::StoreResult<std::uint64_t> read_chunks(store::RocksEventLog& log, const std::string& stream,
                                              std::uint64_t next, Sink&& sink) {
  for (;;) {
    auto chunks = log.read_log(stream, StreamVersion(next), 256);
    if (!chunks) return unexpected(chunks.error());
    for (const auto& chunk : *chunks) {
      sink(chunk.data);
      next = chunk.index.value() + 1;
    }
    if (chunks->size() < 256) return next;
  }
}

}  // namespace

std::string last_lines(const std::string& text, std::size_t lines) {
  if (lines == 0) return {};
  std::size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') --end;  // the last line's own newline
  std::size_t pos = end;
  for (std::size_t seen = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++seen == lines) break;
  }
  return text.substr(pos);
}

int run_log(store::RocksEventLog& log, const LogOptions& options, std::ostream& out,
            std::ostream& err) {
  int exit_code = kExitOk;
  auto history = scan_history(log, err, exit_code);
  if (!history) return exit_code;
  if (!check_builder_known(*history, options.builder, err)) return kExitNotFound;
  const std::string build_name = options.builder + " #" + std::to_string(options.number);
  const BuildRecord* build = history->build(options.builder, options.number);
  if (!build) return report_error(err, "no build " + build_name + " in the log", kExitNotFound);

  if (options.step.empty()) {
    print_steps(out, *build);
    return kExitOk;
  }
  std::string error;
  const StepRecord* step = find_step(*build, options.step, error);
  if (!step) return report_error(err, error, kExitNotFound);
  const LogRecord* record = find_log(*step, options.log);
  if (!record) {
    std::string message = "step " + std::to_string(step->index) + " (" + step->name + ") of " +
                          build_name + " has no log" +
                          (options.log.empty() ? std::string() : " '" + options.log + "'");
    if (!step->logs.empty()) {
      message += "; its logs:";
      for (const auto& l : step->logs) message += " " + l.name;
    }
    return report_error(err, message, kExitNotFound);
  }
  const std::string stream = record->stream;
  bool done = record->closed || !build->running();
  std::uint64_t after = history->last_sequence();

  std::string tail_buffer;
  auto write = [&](const std::string& bytes) {
    if (options.tail) {
      tail_buffer += bytes;
      // Trim now and then, so a huge log costs memory of the order of its tail only.
      if (tail_buffer.size() > (1u << 20)) tail_buffer = last_lines(tail_buffer, *options.tail);
    } else {
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
  };
  auto next = read_chunks(log, stream, 1, write);
  if (!next) return report_error(err, next.error().message, kExitStoreError);
  if (options.tail) {
    tail_buffer = last_lines(tail_buffer, *options.tail);
    out << tail_buffer;
    tail_buffer.clear();
  }
  out.flush();
  if (!options.follow) return kExitOk;

  // Follow: catch up with the writer, print new chunks, stop once the log is closed or
  // the build has finished (and its last chunks are printed).
  while (!done) {
    std::this_thread::sleep_for(options.poll_interval);
    if (auto caught = log.catch_up(); !caught) {
      return report_error(err, caught.error().message, kExitStoreError);
    }
    auto scanned = log.scan(Sequence(after + 1), Sequence(0), [&](const events::Envelope& e) {
      after = e.sequence();
      if (e.stream() == stream && e.has_log_closed()) done = true;
      if (e.has_build_finished() && e.build_finished().builder() == options.builder &&
          e.build_finished().number() == options.number) {
        done = true;
      }
      return true;
    });
    if (!scanned) return report_error(err, scanned.error().message, kExitStoreError);
    next = read_chunks(log, stream, *next, [&](const std::string& bytes) {
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    });
    if (!next) return report_error(err, next.error().message, kExitStoreError);
    out.flush();
  }
  return kExitOk;
}

}  // namespace eventbot::replay
