#pragma once
// History for the gateway's benchmarks: finished builds written into a real store, each
// as the master records one (the change, the scheduler's buildset and request, the claim,
// the build with one step and its log, the completions), one atomic append per build.
#include <cstdint>
#include <cstdio>
#include <string>

#include "events/streams.hpp"
#include "store/event_log.hpp"

namespace eventbot::bench {

struct HistoryShape {
  std::string master_id = "bench";
  std::string slave = "s1";
  std::string scheduler = "main";
  int builders = 4;  // "b0", "b1", ...
};

// Appends build `i` (0-based) of the history; builds go round the builders.
inline bool append_build(store::EventLog& log, const HistoryShape& shape, std::uint64_t i) {
  const std::uint64_t id = i + 1;
  const std::string builder = "b" + std::to_string(i % static_cast<std::uint64_t>(shape.builders));
  const auto number =
      static_cast<std::uint32_t>(i / static_cast<std::uint64_t>(shape.builders) + 1);
  const std::int64_t t0 = 1'700'000'000'000'000 + static_cast<std::int64_t>(i) * 2'000'000;
  char revision[41];
  std::snprintf(revision, sizeof revision, "%040llx",
                static_cast<unsigned long long>(id * 0x9e3779b97f4a7c15ull));
  store::AppendRequest request;
  request.events.reserve(16);  // the references below stay valid
  auto add = [&](std::string stream, std::int64_t t) -> events::Envelope& {
    auto& e = request.events.emplace_back();
    e.set_stream(std::move(stream));
    e.set_master_id(shape.master_id);
    e.set_time_us(t);
    return e;
  };
  auto& change = *add(streams::changes(), t0).mutable_change_added();
  change.set_who("Alice Example <alice@example.org>");
  change.add_files("src/module" + std::to_string(i % 97) + "/file.cpp");
  change.set_comments("Fix the parser's handling of case " + std::to_string(id));
  change.set_revision(revision);
  change.set_branch("main");
  change.set_repository("https://git.example.org/project.git");
  change.set_project("project");
  change.set_when_us(t0);
  change.set_source("sendchange");
  auto& set = *add(streams::buildset(id), t0 + 1000).mutable_buildset_submitted();
  set.set_buildset_id(id);
  set.set_scheduler(shape.scheduler);
  set.set_reason("The SingleBranchScheduler scheduler named '" + shape.scheduler +
                 "' triggered this build");
  auto& stamp = *set.add_sourcestamps();
  stamp.set_repository(change.repository());
  stamp.set_project(change.project());
  stamp.set_branch("main");
  stamp.set_revision(revision);
  stamp.add_change_ids(id);
  set.add_builder_names(builder);
  set.add_build_request_ids(id);
  auto& submitted = *add(streams::build_request(id), t0 + 1000).mutable_build_request_submitted();
  submitted.set_request_id(id);
  submitted.set_buildset_id(id);
  submitted.set_builder(builder);
  auto& claimed = *add(streams::build_request(id), t0 + 2000).mutable_build_request_claimed();
  claimed.set_request_id(id);
  claimed.set_master_id(shape.master_id);
  claimed.set_builder(builder);
  const std::string build = streams::build(builder, number);
  auto& started = *add(build, t0 + 3000).mutable_build_started();
  started.set_builder(builder);
  started.set_number(number);
  started.add_request_ids(id);
  started.set_slave(shape.slave);
  started.set_reason(set.reason());
  *started.add_sourcestamps() = stamp;
  for (const auto& [name, value] : {std::pair<std::string, std::string>{"branch", "\"main\""},
                                    {"revision", "\"" + std::string(revision) + "\""},
                                    {"buildername", "\"" + builder + "\""},
                                    {"buildnumber", std::to_string(number)},
                                    {"slavename", "\"" + shape.slave + "\""}}) {
    auto& p = *started.add_properties();
    p.set_name(name);
    p.set_value_json(value);
    p.set_source("Build");
  }
  auto& step = *add(build, t0 + 4000).mutable_step_started();
  step.set_builder(builder);
  step.set_build_number(number);
  step.set_step_index(0);
  step.set_name("test");
  const std::string log_stream = streams::log(builder, number, 0, "stdio");
  auto& opened = *add(build, t0 + 5000).mutable_log_opened();
  opened.set_builder(builder);
  opened.set_build_number(number);
  opened.set_step_index(0);
  opened.set_name("stdio");
  const std::string output = "running tests\nall 42 tests passed\n";
  auto& chunk = *add(log_stream, t0 + 6000).mutable_log_chunk();
  chunk.set_data(output);
  chunk.set_size(static_cast<std::uint32_t>(output.size()));
  auto& closed = *add(log_stream, t0 + 7000).mutable_log_closed();
  closed.set_total_bytes(output.size());
  closed.set_chunks(1);
  auto& step_done = *add(build, t0 + 8000).mutable_step_finished();
  step_done.set_builder(builder);
  step_done.set_build_number(number);
  step_done.set_step_index(0);
  step_done.set_result(events::SUCCESS);
  step_done.add_description_done("test");
  auto& finished = *add(build, t0 + 9000).mutable_build_finished();
  finished.set_builder(builder);
  finished.set_number(number);
  finished.set_result(events::SUCCESS);
  finished.add_text("build");
  finished.add_text("successful");
  auto& completed = *add(streams::build_request(id), t0 + 9000).mutable_build_request_completed();
  completed.set_request_id(id);
  completed.set_result(events::SUCCESS);
  completed.set_builder(builder);
  completed.set_build_number(number);
  auto& done = *add(streams::buildset(id), t0 + 9000).mutable_buildset_completed();
  done.set_buildset_id(id);
  done.set_result(events::SUCCESS);
  return log.append(std::move(request)).has_value();
}

}  // namespace eventbot::bench
