// eventbot-replay: reads a master's event log without ever writing to it.
// This file only wires the command line to the subcommands (one file pair each, as in
// RocksDB's ldb). To add a subcommand: write its run_* function in its own files, add an
// add_*_subcommand function below, and list it in main().
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "events/event_type.hpp"
#include "replay/builds_command.hpp"
#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"
#include "replay/list_command.hpp"
#include "replay/log_command.hpp"
#include "replay/open_store.hpp"
#include "replay/requests_command.hpp"
#include "replay/state_command.hpp"
#include "replay/stats_command.hpp"
#include "replay/why_command.hpp"

namespace {

using namespace eventbot;
using namespace eventbot::replay;

// A subcommand as the command line knows it, and what runs when it is chosen.
struct Subcommand {
  CLI::App* cli;
  std::function<int()> run;
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

Subcommand add_list_subcommand(CLI::App& app, const std::string& dir) {
  auto options = std::make_shared<ListOptions>();
  auto* cli = app.add_subcommand("list", "Print events one a line, in sequence order");
  cli->add_option("--from", options->from, "First sequence to print")
      ->type_name("SEQ")
      ->check(sequence_number(0));
  cli->add_option("--to", options->to, "Last sequence to print (default: the head)")
      ->type_name("SEQ")
      ->check(sequence_number(1));
  cli->add_option("--stream", options->stream_prefix, "Only events whose stream starts with PREFIX")
      ->type_name("PREFIX");
  cli->add_option("--type", options->type, "Only events of this type (e.g. BuildStarted)")
      ->type_name("NAME")
      ->check(known_event_type());
  cli->add_flag("--json", options->json, "Print JSON lines instead of text");
  return {cli, [options, &dir] {
            return with_store(dir, [&](store::RocksEventLog& log) {
              return run_list(log, *options, std::cout, std::cerr);
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
      add_log_subcommand(app, dir),
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
