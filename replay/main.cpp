// eventbot-replay: reads a master's event log without ever writing to it.
// This file only wires the command line to the subcommands (one file pair each, as in
// RocksDB's ldb). To add a subcommand: write its run_* function in its own files, add an
// add_*_subcommand function below, and list it in main().
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "events/event_type.hpp"
#include "replay/builds_command.hpp"
#include "replay/diff_command.hpp"
#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"
#include "replay/export_command.hpp"
#include "replay/list_command.hpp"
#include "replay/log_command.hpp"
#include "replay/open_store.hpp"
#include "replay/requests_command.hpp"
#include "replay/state_command.hpp"
#include "replay/stats_command.hpp"
#include "replay/step_command.hpp"
#include "replay/tail_command.hpp"
#include "replay/verify_command.hpp"
#include "replay/why_command.hpp"

namespace {

using namespace eventbot;
using namespace eventbot::replay;

// A subcommand as the command line knows it, and what runs when it is chosen.
struct Subcommand {
  CLI::App* cli;
  std::function<int()> run;
};

// While it lives, a terminal on standard input passes each key at once (no line editing,
// no echo); nothing changes when standard input is not a terminal (a pipe).
class SingleKeys {
 public:
  SingleKeys() {
    if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~SingleKeys() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  SingleKeys(const SingleKeys&) = delete;
  SingleKeys& operator=(const SingleKeys&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

// Opens the store at `dir` for reading and runs `command` on it.
int with_store(const std::string& dir, const std::function<int(store::RocksEventLog&)>& command) {
  auto log = open_store_for_reading(dir);
  if (!log) return report_error(std::cerr, log.error().message, kExitStoreError);
  return command(**log);
}

// Accepts a whole number of at least `min` (CLI11's own range check prints doubles).
CLI::Validator sequence_number(std::uint64_t min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        if (auto value = parse_whole_number(text); value && *value >= min) return {};
        return "'" + text + "' is not a sequence number" +
               (min > 0 ? " (sequences start at " + std::to_string(min) + ")" : "");
      },
      "");
}

// Accepts only the type names the event schema knows; the error lists them.
CLI::Validator known_event_type() {
  return CLI::Validator(
      [](std::string& name) -> std::string {
        auto names = events::all_type_names();
        if (std::find(names.begin(), names.end(), name) != names.end()) return {};
        std::string message = "unknown event type '" + name + "'; valid types are:";
        for (const auto& known : names) message += " " + known;
        return message;
      },
      "");
}

// --stream, --type and --json, shared by list and tail.
void add_filter_options(CLI::App* cli, ListOptions& options) {
  cli->add_option("--stream", options.stream_prefix, "Only events whose stream starts with PREFIX")
      ->type_name("PREFIX");
  cli->add_option("--type", options.type, "Only events of this type (e.g. BuildStarted)")
      ->type_name("NAME")
      ->check(known_event_type());
  cli->add_flag("--json", options.json, "Print JSON lines instead of text");
}

Subcommand add_list_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<ListOptions>();
  auto* cli = app.add_subcommand("list", "Print events one a line, in sequence order");
  cli->add_option("--from", options->from, "First sequence to print")
      ->type_name("SEQ")
      ->check(sequence_number(0));
  cli->add_option("--to", options->to, "Last sequence to print (default: the head)")
      ->type_name("SEQ")
      ->check(sequence_number(1));
  add_filter_options(cli, *options);
  return {cli, [options, &dir] {
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_list(log, *options, std::cout, std::cerr);
            });
          }};
}

Subcommand add_tail_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<TailOptions>();
  auto* cli = app.add_subcommand(
      "tail", "Print the last events (as list does); with -f, follow what the master appends");
  cli->add_option("-n,--lines", options->lines, "How many of the last events (default 10)")
      ->type_name("N");
  cli->add_flag("-f,--follow", options->follow,
                "Keep printing events as they are appended, until interrupted");
  cli->add_option("--count", options->count, "With -f: stop after N new events")->type_name("N");
  add_filter_options(cli, options->filters);
  return {cli, [options, &dir] {
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_tail(log, *options, std::cout, std::cerr);
            });
          }};
}

Subcommand add_stats_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<StatsOptions>();
  auto* cli = app.add_subcommand(
      "stats", "Print the head sequence, events per type and bytes per column family");
  cli->add_flag("--json", options->json, "Print one JSON object instead of text");
  return {cli, [options, &dir] {
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_stats(log, *options, std::cout, std::cerr);
            });
          }};
}

Subcommand add_builds_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<BuildsOptions>();
  auto* cli = app.add_subcommand(
      "builds", "Print every build (result, times, slave, requests, steps) in start order");
  cli->add_option("--builder", options->builder, "Only this builder's builds")->type_name("NAME");
  cli->add_flag("--json", options->json, "Print one JSON object per build, one a line");
  return {cli, [options, &dir] {
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_builds(log, *options, std::cout, std::cerr);
            });
          }};
}

Subcommand add_requests_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<RequestsOptions>();
  auto* cli = app.add_subcommand(
      "requests", "Print every build request (buildset, builder, priority, state) by id");
  cli->add_option("--builder", options->builder, "Only this builder's requests")->type_name("NAME");
  cli->add_flag("--json", options->json, "Print one JSON object per request, one a line");
  return {cli, [options, &dir] {
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_requests(log, *options, std::cout, std::cerr);
            });
          }};
}

// Accepts what `state --at` reads: a sequence number or an ISO-8601 time with a zone.
CLI::Validator state_point() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (parse_state_point(text)) return {};
        return "'" + text +
               "' is neither a sequence number nor an ISO-8601 time with a zone (e.g. "
               "2026-11-22T10:00:00Z)";
      },
      "");
}

Subcommand add_state_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<StateOptions>();
  auto* cli = app.add_subcommand(
      "state", "Print schedulers, builders, slaves and locks as of a point of the log");
  cli->add_option("--at", options->at,
                  "A sequence number, an ISO-8601 time (2026-11-22T10:00:00Z): the last "
                  "event at or before it, or 'now' (the head of the log)")
      ->type_name("SEQ|TIME|now")
      ->required()
      ->check(state_point());
  cli->add_flag("--json", options->json, "Print one JSON object instead of text");
  return {cli, [options, &dir] {
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_state(log, *options, std::cout, std::cerr);
            });
          }};
}

Subcommand add_diff_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<DiffOptions>();
  auto points = std::make_shared<std::vector<std::string>>();
  auto* cli = app.add_subcommand(
      "diff",
      "What changed between two points of the log: builds started and finished, queues, "
      "slaves, schedulers' pending changes, locks, buildsets");
  cli->add_option("--at", *points, "The two points, each as for state --at (give --at twice)")
      ->type_name("SEQ|TIME|now")
      ->required()
      ->expected(2)
      ->check(state_point());
  cli->add_flag("--json", options->json, "Print one JSON object instead of text");
  return {cli, [options, points, &dir] {
            if (points->size() != 2) {
              return report_error(std::cerr, "diff needs --at twice (see --help)", kExitUsage);
            }
            options->from = (*points)[0];
            options->to = (*points)[1];
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_diff(log, *options, std::cout, std::cerr);
            });
          }};
}

Subcommand add_step_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<StepOptions>();
  auto build = std::make_shared<std::vector<std::string>>();
  auto* cli = app.add_subcommand(
      "step",
      "Walk the log one event at a time (or one build's events), showing what each changes; "
      "keys: n (or Enter) next, p previous, q quit");
  cli->add_option("--from", options->from, "The first event shown")
      ->type_name("SEQ")
      ->check(sequence_number(1));
  cli->add_option("--build", *build, "Only this build's events")
      ->type_name("BUILDER NUMBER")
      ->expected(2);
  return {cli, [options, build, &dir] {
            if (!build->empty()) {
              auto number = parse_whole_number((*build)[1]);
              if (!number) {
                return report_error(std::cerr, "--build needs a builder and a build number",
                                    kExitUsage);
              }
              options->by_build = true;
              options->builder = (*build)[0];
              options->number = static_cast<std::uint32_t>(*number);
            }
            return with_store(dir, [&](store::RocksEventLog& log) {
              SingleKeys keys;  // in a terminal: each key acts at once, without Enter
              return run_step(log, *options, std::cin, std::cout, std::cerr);
            });
          }};
}

Subcommand add_why_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<WhyOptions>();
  auto* cli = app.add_subcommand(
      "why", "Explain a build: its requests, their buildsets, the changes or timer behind them");
  cli->add_option("BUILDER", options->builder, "The builder")->required();
  cli->add_option("NUMBER", options->number, "The build number")
      ->required()
      ->check(sequence_number(0));
  cli->add_flag("--json", options->json, "Print one JSON object instead of the indented chain");
  return {cli, [options, &dir] {
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_why(log, *options, std::cout, std::cerr);
            });
          }};
}

Subcommand add_log_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<LogOptions>();
  auto* cli = app.add_subcommand(
      "log",
      "Print a step's log as the raw bytes the slave sent (every channel, in order); without "
      "STEP, list the build's steps and their logs");
  cli->add_option("BUILDER", options->builder, "The builder")->required();
  cli->add_option("NUMBER", options->number, "The build number")
      ->required()
      ->check(sequence_number(0));
  cli->add_option("STEP", options->step, "The step's index or name");
  cli->add_option("LOG", options->log, "The log's name (default: stdio, else the step's first)");
  cli->add_option("--tail", options->tail, "Only the last N lines")->type_name("N");
  cli->add_flag("-f,--follow", options->follow,
                "Keep printing while the log grows, until it is closed or the build ends");
  return {cli, [options, &dir] {
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_log(log, *options, std::cout, std::cerr);
            });
          }};
}

Subcommand add_verify_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<VerifyOptions>();
  auto* cli = app.add_subcommand(
      "verify",
      "Check the store: checksums, sequences, stream versions, the streams index, log chunks, "
      "and every snapshot against a fold from the first event; exit 3 if anything is wrong");
  cli->add_flag("--json", options->json, "Print one JSON object instead of text");
  cli->add_option("--max-problems", options->max_problems, "Problems shown (all are counted)")
      ->type_name("N");
  return {cli, [options, &dir] {
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_verify(log, *options, std::cout, std::cerr);
            });
          }};
}

Subcommand add_export_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<ExportOptions>();
  auto* cli = app.add_subcommand(
      "export", "Print events as JSON lines with their log chunks' bytes (for `import`)");
  cli->add_option("--from", options->from, "First sequence to export")
      ->type_name("SEQ")
      ->check(sequence_number(0));
  cli->add_option("--to", options->to, "Last sequence to export (default: the head)")
      ->type_name("SEQ")
      ->check(sequence_number(1));
  cli->add_option("--stream", options->stream_prefix, "Only events whose stream starts with PREFIX")
      ->type_name("PREFIX");
  return {cli, [options, &dir] {
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_export(log, *options, std::cout, std::cerr);
            });
          }};
}

Subcommand add_import_subcommand(CLI::App& app, const std::string& dir) {
  auto file = std::make_shared<std::string>("-");
  auto* cli = app.add_subcommand(
      "import",
      "Write exported JSON lines into a fresh store at DIR (the one subcommand that writes; "
      "it refuses a store that holds events)");
  cli->add_option("FILE", *file, "The export to read ('-', the default: standard input)");
  return {cli, [file, &dir] {
            if (*file == "-") return run_import(dir, std::cin, std::cout, std::cerr);
            std::ifstream in(*file, std::ios::binary);
            if (!in) return report_error(std::cerr, "cannot read " + *file, kExitStoreError);
            return run_import(dir, in, std::cout, std::cerr);
          }};
}

// CLI11's messages, made into the tool's one-line error format.
int report_usage_error(const CLI::ParseError& error) {
  std::string message = error.what();
  std::replace(message.begin(), message.end(), '\n', ' ');
  return report_error(std::cerr, message + " (see eventbot-replay --help)", kExitUsage);
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);  // listings can be millions of lines; no C stdio here
  CLI::App app("Reads an Eventbot event log, never writing to it: safe while a master runs on DIR.",
               "eventbot-replay");
  std::string dir;
  app.add_option("DIR", dir, "The master's directory (or a copy of it)")->required();
  app.require_subcommand(1);

  std::vector<Subcommand> subcommands = {
      add_list_subcommand(app, dir),   add_stats_subcommand(app, dir),
      add_builds_subcommand(app, dir), add_requests_subcommand(app, dir),
      add_state_subcommand(app, dir),  add_why_subcommand(app, dir),
      add_log_subcommand(app, dir),    add_verify_subcommand(app, dir),
      add_export_subcommand(app, dir), add_import_subcommand(app, dir),
      add_diff_subcommand(app, dir),   add_tail_subcommand(app, dir),
      add_step_subcommand(app, dir),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help
    // `eventbot-replay DIR` with a DIR that is not there: that is the news, not the
    // missing subcommand.
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
      return report_error(std::cerr,
                          dir +
                              " does not exist (eventbot-replay DIR SUBCOMMAND reads "
                              "the master directory DIR; see eventbot-replay --help)",
                          kExitStoreError);
    }
    return report_usage_error(error);
  }
  for (const auto& subcommand : subcommands) {
    if (subcommand.cli->parsed()) return subcommand.run();
  }
  return report_error(std::cerr, "no subcommand given (see eventbot-replay --help)", kExitUsage);
}
