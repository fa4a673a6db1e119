// builds, requests, state --at and why, in-process, on a store in a temp dir holding the
// scenario of history_scenario.hpp.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "replay/builds_command.hpp"
#include "replay/event_format.hpp"
#include "replay/open_store.hpp"
#include "replay/requests_command.hpp"
#include "replay/state_command.hpp"
#include "replay/why_command.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/replay/history_scenario.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::replay {
namespace {

using nlohmann::json;
using replay::testing::Scenario;

struct Output {
  int code = -1;
  std::string out;
  std::string err;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> out;
  for (const auto& line : lines_of(text)) {
    auto parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << line;
    out.push_back(parsed);
  }
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class HistoryCommands : public ::testing::Test {
 protected:
  // Writes the scenario (or its events up to `through`, after those written before) and
  // reopens the store for reading
  // the way the tool does.
  void write(std::uint64_t through = 0) {
    reader_.reset();
    {
      store::RocksOptions options;
      options.dir = dir_.path();
      auto writer = store::RocksEventLog::open(options);
      ASSERT_TRUE(writer) << writer.error().message;
      Scenario::append_to(**writer, scenario_, through, written_);
      written_ = through == 0 ? scenario_.points().end : through;
    }
    reopen();
  }

  void reopen() {
    reader_.reset();
    auto opened = open_store_for_reading(dir_.path());
    ASSERT_TRUE(opened) << opened.error().message;
    reader_ = std::move(*opened);
  }

  Output builds(BuildsOptions options) {
    return run([&](auto& out, auto& err) { return run_builds(*reader_, options, out, err); });
  }
  Output requests(RequestsOptions options) {
    return run([&](auto& out, auto& err) { return run_requests(*reader_, options, out, err); });
  }
  Output state(std::string at, bool as_json) {
    StateOptions options{std::move(at), as_json};
    return run([&](auto& out, auto& err) { return run_state(*reader_, options, out, err); });
  }
  json state_json(std::uint64_t at) {
    auto result = state(std::to_string(at), true);
    EXPECT_EQ(result.code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    auto parsed = json::parse(result.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << result.out;
    return parsed;
  }
  Output why(std::string builder, std::uint32_t number, bool as_json) {
    WhyOptions options{std::move(builder), number, as_json};
    return run([&](auto& out, auto& err) { return run_why(*reader_, options, out, err); });
  }

  template <class F>
  Output run(F&& command) {
    std::ostringstream out, err;
    Output result;
    result.code = command(out, err);
    result.out = out.str();
    result.err = err.str();
    return result;
  }

  const Scenario::Points& points() const { return scenario_.points(); }

  eventbot::testing::TempDir dir_{"replay-history"};
  Scenario scenario_;
  std::unique_ptr<store::RocksEventLog> reader_;
  std::uint64_t written_ = 0;  // the scenario's events in the store so far
};

// The ids of a JSON array of objects with an "id" (or "number") key.
std::vector<std::uint64_t> ids_of(const json& array, const char* key = "id") {
  std::vector<std::uint64_t> out;
  for (const auto& item : array) out.push_back(item.at(key).get<std::uint64_t>());
  return out;
}

const json& builder_in(const json& state, const std::string& name) {
  for (const auto& builder : state.at("builders")) {
    if (builder.at("name") == name) return builder;
  }
  static const json none;
  ADD_FAILURE() << "no builder " << name << " in " << state.dump();
  return none;
}

const json& slave_in(const json& state, const std::string& name) {
  for (const auto& slave : state.at("slaves")) {
    if (slave.at("name") == name) return slave;
  }
  static const json none;
  ADD_FAILURE() << "no slave " << name << " in " << state.dump();
  return none;
}

const json& scheduler_in(const json& state, const std::string& name) {
  for (const auto& scheduler : state.at("schedulers")) {
    if (scheduler.at("name") == name) return scheduler;
  }
  static const json none;
  ADD_FAILURE() << "no scheduler " << name << " in " << state.dump();
  return none;
}

// ---------------------------------------------------------------------------------
// builds
// ---------------------------------------------------------------------------------

TEST_F(HistoryCommands, BuildsJsonListsEveryBuildInStartOrderFieldByField) {
  write();
  auto result = builds({"", true});
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  auto rows = json_lines(result.out);
  ASSERT_EQ(rows.size(), 5u) << result.out;
  std::vector<std::pair<std::string, int>> order;
  for (const auto& b : rows) order.emplace_back(b["builder"], b["number"]);
  EXPECT_EQ(order,
            (std::vector<std::pair<std::string, int>>{
                {"runtests", 1}, {"docs", 1}, {"publish", 1}, {"runtests", 2}, {"runtests", 3}}));

  const json& first = rows[0];
  EXPECT_EQ(first["result"], "FAILURE");
  EXPECT_EQ(first["reason"], "The SingleBranch scheduler named 'main' triggered this build");
  EXPECT_EQ(first["slave"], "linux-1");
  EXPECT_EQ(first["requests"], json::array({1, 3}));
  EXPECT_EQ(first["text"], json::array({"failed", "test"}));
  // Times are ISO-8601 strings in UTC, to the microsecond.
  ASSERT_TRUE(first["started_at"].is_string());
  ASSERT_TRUE(first["finished_at"].is_string());
  EXPECT_EQ(parse_utc_time(first["started_at"].get<std::string>()),
            scenario_.time_of(points().requests_pending + 4));
  EXPECT_LT(first["started_at"].get<std::string>(), first["finished_at"].get<std::string>());
  ASSERT_EQ(first["steps"].size(), 3u);
  EXPECT_EQ(first["steps"][0], json({{"index", 0},
                                     {"name", "compile"},
                                     {"result", "SUCCESS"},
                                     {"text", {"compile"}},
                                     {"hidden", false},
                                     {"logs", json::array()}}));
  EXPECT_EQ(first["steps"][1]["name"], "test");
  EXPECT_EQ(first["steps"][1]["result"], "FAILURE");
  EXPECT_EQ(first["steps"][1]["text"], json::array({"2 tests", "failed"}));
  EXPECT_EQ(first["steps"][2]["result"], "SKIPPED");
  EXPECT_EQ(first["steps"][2]["hidden"], true);

  EXPECT_EQ(rows[3]["result"], "RETRY");
  EXPECT_EQ(rows[3]["requests"], json::array({6}));
  EXPECT_EQ(rows[3]["steps"][0]["result"], "RETRY");
  EXPECT_EQ(rows[4]["result"], "SUCCESS");
  EXPECT_EQ(rows[4]["requests"], json::array({6}));
  EXPECT_EQ(rows[2]["reason"],
            "The Triggerable scheduler named 'docs-publish' triggered this build");
}

TEST_F(HistoryCommands, BuildsTextIsOneBlockPerBuild) {
  write();
  auto result = builds({"runtests", false});
  ASSERT_EQ(result.code, 0) << result.err;
  auto lines = lines_of(result.out);
  const std::string started = format_utc_time(scenario_.time_of(points().requests_pending + 4));
  ASSERT_GE(lines.size(), 6u) << result.out;
  EXPECT_TRUE(lines[0].starts_with("runtests #1  FAILURE  started " + started + "  finished "))
      << lines[0];
  EXPECT_TRUE(lines[0].ends_with("  slave linux-1  requests 1, 3")) << lines[0];
  EXPECT_EQ(lines[1], "  reason: The SingleBranch scheduler named 'main' triggered this build");
  EXPECT_EQ(lines[2], "  text: failed test");
  EXPECT_EQ(lines[3], "  step 0  compile  SUCCESS  compile");
  EXPECT_EQ(lines[4], "  step 1  test     FAILURE  2 tests failed");
  EXPECT_EQ(lines[5], "  step 2  upload   SKIPPED  upload skipped  (hidden)");
  // Only runtests: three blocks, separated by blank lines.
  EXPECT_FALSE(contains(result.out, "docs #1")) << result.out;
  EXPECT_TRUE(contains(result.out, "\nruntests #2  RETRY  started ")) << result.out;
  EXPECT_TRUE(contains(result.out, "\nruntests #3  SUCCESS  started ")) << result.out;
}

TEST_F(HistoryCommands, ARunningBuildHasNoResult) {
  write(points().build1_running);
  auto result = builds({"", true});
  ASSERT_EQ(result.code, 0) << result.err;
  auto rows = json_lines(result.out);
  ASSERT_EQ(rows.size(), 1u) << result.out;
  EXPECT_TRUE(rows[0]["result"].is_null());
  EXPECT_TRUE(rows[0]["finished_at"].is_null());
  EXPECT_TRUE(rows[0]["started_at"].is_string());

  result = builds({"", false});
  EXPECT_TRUE(result.out.starts_with("runtests #1  running  started ")) << result.out;
  EXPECT_FALSE(contains(lines_of(result.out)[0], "finished")) << result.out;
}

TEST_F(HistoryCommands, UnknownBuilderIsAClearError) {
  write();
  auto result = builds({"runtest", false});
  EXPECT_EQ(result.code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_TRUE(result.err.starts_with("eventbot-replay: unknown builder 'runtest'")) << result.err;
  EXPECT_TRUE(contains(result.err, "known builders: docs lint publish runtests")) << result.err;
  EXPECT_EQ(lines_of(result.err).size(), 1u);

  result = requests({"nope", true});
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "unknown builder 'nope'")) << result.err;

  // Configured but never built: known, and empty.
  result = builds({"lint", false});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out, "");
  result = requests({"lint", true});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out, "");
}

// ---------------------------------------------------------------------------------
// requests
// ---------------------------------------------------------------------------------

TEST_F(HistoryCommands, RequestsJsonGivesEachRequestsState) {
  write();
  auto result = requests({"", true});
  ASSERT_EQ(result.code, 0) << result.err;
  auto rows = json_lines(result.out);
  ASSERT_EQ(rows.size(), 7u) << result.out;
  EXPECT_EQ(ids_of(json(rows)), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7}));

  EXPECT_EQ(rows[0]["buildset"], 1);
  EXPECT_EQ(rows[0]["builder"], "runtests");
  EXPECT_EQ(rows[0]["state"], "completed");
  EXPECT_EQ(rows[0]["result"], "FAILURE");
  EXPECT_EQ(rows[0]["build"], 1);
  EXPECT_EQ(rows[0]["claimed_by"], "m1");
  EXPECT_EQ(parse_utc_time(rows[0]["submitted_at"].get<std::string>()),
            scenario_.time_of(points().change1_added + 3));

  EXPECT_EQ(rows[1]["builder"], "docs");
  EXPECT_EQ(rows[1]["state"], "cancelled");
  EXPECT_EQ(rows[1]["cancelled_by"], "carol");
  EXPECT_EQ(rows[1]["cancel_reason"], "superseded");
  EXPECT_TRUE(rows[1]["build"].is_null());
  EXPECT_TRUE(rows[1]["claimed_by"].is_null());

  EXPECT_EQ(rows[2]["buildset"], 2);
  EXPECT_EQ(rows[2]["build"], 1);  // collapsed into runtests #1
  EXPECT_EQ(rows[4]["builder"], "publish");
  EXPECT_EQ(rows[4]["buildset"], 3);

  EXPECT_EQ(rows[5]["state"], "completed");
  EXPECT_EQ(rows[5]["result"], "SUCCESS");
  EXPECT_EQ(rows[5]["build"], 3);
  EXPECT_EQ(rows[5]["builds"], json::array({2, 3}));
  EXPECT_EQ(rows[5]["unclaims"], 1);

  EXPECT_EQ(rows[6]["state"], "pending");
  EXPECT_EQ(rows[6]["priority"], 5);
  EXPECT_TRUE(rows[6]["result"].is_null());
  EXPECT_TRUE(rows[6]["claimed_by"].is_null());
}

TEST_F(HistoryCommands, RequestsTextAndBuilderFilter) {
  write();
  auto result = requests({"docs", false});
  ASSERT_EQ(result.code, 0) << result.err;
  auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 2u) << result.out;
  EXPECT_TRUE(lines[0].starts_with("request 2  buildset 1  builder docs  priority 0  submitted "))
      << lines[0];
  EXPECT_TRUE(lines[0].ends_with("  cancelled by carol: superseded")) << lines[0];
  EXPECT_TRUE(lines[1].ends_with("  completed SUCCESS by build #1")) << lines[1];

  result = requests({"runtests", false});
  lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 4u) << result.out;
  EXPECT_TRUE(lines[2].starts_with("request 6 ")) << lines[2];
  EXPECT_TRUE(lines[2].ends_with("completed SUCCESS by build #3  (earlier builds: #2)"))
      << lines[2];
  EXPECT_TRUE(lines[3].ends_with("priority 5  submitted " +
                                 format_utc_time(scenario_.time_of(points().end)) + "  pending"))
      << lines[3];
}

TEST_F(HistoryCommands, RequestsWhileClaimedAndAfterARetry) {
  write(points().retry_pending);
  auto result = requests({"runtests", true});
  ASSERT_EQ(result.code, 0) << result.err;
  auto rows = json_lines(result.out);
  ASSERT_EQ(rows.size(), 3u) << result.out;
  EXPECT_EQ(rows[2]["id"], 6);
  EXPECT_EQ(rows[2]["state"], "pending");
  EXPECT_EQ(rows[2]["builds"], json::array({2}));
  EXPECT_TRUE(rows[2]["build"].is_null());

  write(points().rerun_running);
  result = requests({"runtests", false});
  auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 3u) << result.out;
  EXPECT_TRUE(contains(lines[2], "  claimed by m1 at ")) << lines[2];
  EXPECT_TRUE(lines[2].ends_with(", build #3  (earlier builds: #2)")) << lines[2];
}

// ---------------------------------------------------------------------------------
// state --at
// ---------------------------------------------------------------------------------

TEST_F(HistoryCommands, StateAtSeveralPointsFoldsDifferentSets) {
  write();
  const auto& p = points();

  json state = state_json(p.schedulers_started);
  EXPECT_EQ(state["at_sequence"], p.schedulers_started);
  EXPECT_EQ(state["head_sequence"], p.end);
  ASSERT_TRUE(state["config"].is_object()) << state.dump();
  EXPECT_EQ(state["config"]["sequence"], 1);
  EXPECT_TRUE(state["config"]["error"].is_null()) << state["config"]["error"];
  ASSERT_EQ(state["schedulers"].size(), 4u);
  const json& hourly = scheduler_in(state, "hourly");
  EXPECT_EQ(hourly["type"], "periodic");
  EXPECT_EQ(hourly["started"], true);
  ASSERT_EQ(hourly["timers"].size(), 1u);
  EXPECT_EQ(hourly["timers"][0]["name"], "periodic");
  EXPECT_EQ(hourly["timers"][0]["due_at"], format_utc_time(testing::kT0 + 3600 * testing::kSecond));
  EXPECT_TRUE(builder_in(state, "runtests")["pending"].empty());
  EXPECT_EQ(slave_in(state, "linux-1")["attached"], true);
  EXPECT_EQ(slave_in(state, "linux-1")["max_builds"], 2);
  EXPECT_EQ(slave_in(state, "mac-1")["attached"], false);

  // The change is in the log; main has not classified it yet.
  state = state_json(p.change1_added);
  const json& main = scheduler_in(state, "main");
  EXPECT_EQ(ids_of(main["unclassified_changes"]), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(main["unclassified_changes"][0]["revision"], "abc123");
  EXPECT_TRUE(main["pending_changes"].empty());

  state = state_json(p.requests_pending);
  EXPECT_EQ(ids_of(builder_in(state, "runtests")["pending"]), (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(ids_of(builder_in(state, "docs")["pending"]), (std::vector<std::uint64_t>{2, 4}));
  EXPECT_TRUE(builder_in(state, "runtests")["running"].empty());
  // Its buildsets consumed both changes.
  EXPECT_TRUE(scheduler_in(state, "main")["pending_changes"].empty());
  EXPECT_TRUE(scheduler_in(state, "main")["unclassified_changes"].empty());
  EXPECT_TRUE(state["locks"].empty());

  state = state_json(p.build1_running);
  EXPECT_TRUE(builder_in(state, "runtests")["pending"].empty());
  EXPECT_EQ(ids_of(builder_in(state, "docs")["pending"]), (std::vector<std::uint64_t>{4}));
  const json& running = builder_in(state, "runtests")["running"];
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0]["number"], 1);
  EXPECT_EQ(running[0]["slave"], "linux-1");
  EXPECT_EQ(running[0]["requests"], json::array({1, 3}));
  EXPECT_EQ(slave_in(state, "linux-1")["running"],
            json::array({json{{"builder", "runtests"}, {"number", 1}}}));
  ASSERT_EQ(state["locks"].size(), 1u);
  EXPECT_EQ(state["locks"][0]["lock"], "compile");
  EXPECT_EQ(state["locks"][0]["exclusive"], true);
  EXPECT_EQ(state["locks"][0]["builder"], "runtests");
  EXPECT_TRUE(state["locks"][0]["step"].is_null());

  state = state_json(p.retry_pending);
  EXPECT_EQ(ids_of(builder_in(state, "runtests")["pending"]), (std::vector<std::uint64_t>{6}));
  EXPECT_TRUE(builder_in(state, "runtests")["running"].empty());
  EXPECT_EQ(slave_in(state, "linux-1")["attached"], false);
  EXPECT_TRUE(state["locks"].empty());
  EXPECT_EQ(scheduler_in(state, "hourly")["timers"][0]["due_at"],
            format_utc_time(testing::kT0 + 7200 * testing::kSecond));

  state = state_json(p.rerun_running);
  EXPECT_TRUE(builder_in(state, "runtests")["pending"].empty());
  EXPECT_EQ(ids_of(builder_in(state, "runtests")["running"], "number"),
            (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(builder_in(state, "runtests")["running"][0]["step"]["name"], "compile");
  EXPECT_EQ(slave_in(state, "linux-1")["attached"], true);

  state = state_json(p.end);
  EXPECT_EQ(ids_of(builder_in(state, "runtests")["pending"]), (std::vector<std::uint64_t>{7}));
  EXPECT_EQ(builder_in(state, "lint")["configured"], true);
}

TEST_F(HistoryCommands, StateAtATimeIsTheLastEventAtOrBeforeIt) {
  write();
  const auto seq = points().requests_pending;
  const std::string at = format_utc_time(scenario_.time_of(seq));
  auto by_time = state(at, true);
  ASSERT_EQ(by_time.code, 0) << by_time.err;
  EXPECT_EQ(json::parse(by_time.out)["at_sequence"], seq);
  EXPECT_EQ(json::parse(by_time.out), state_json(seq));

  // Half a second later is still the same event; a zone offset counts.
  auto later = state(format_utc_time(scenario_.time_of(seq) + 500'000), true);
  EXPECT_EQ(json::parse(later.out)["at_sequence"], seq);
  auto offset = state("2026-11-22T10:00:00+01:00", true);  // 09:00Z: before the first event
  ASSERT_EQ(offset.code, 0) << offset.err;
  EXPECT_EQ(json::parse(offset.out)["at_sequence"], 0);
  auto far = state("2030-01-01T00:00:00Z", true);
  EXPECT_EQ(json::parse(far.out)["at_sequence"], points().end);
}

TEST_F(HistoryCommands, StateTextShowsEachSection) {
  write();
  auto result = state(std::to_string(points().build1_running), false);
  ASSERT_EQ(result.code, 0) << result.err;
  const auto& out = result.out;
  EXPECT_TRUE(out.starts_with("state at sequence " + std::to_string(points().build1_running) +
                              " of " + std::to_string(points().end) + " (" +
                              format_utc_time(scenario_.time_of(points().build1_running)) + ")\n"))
      << out;
  EXPECT_TRUE(contains(out,
                       "configuration: recorded at sequence 1 by master m1 "
                       "(/srv/master/master.yaml)\n"))
      << out;
  EXPECT_TRUE(contains(out, "schedulers:\n  main (single_branch)  builders: runtests docs\n"))
      << out;
  EXPECT_TRUE(contains(out, "  hourly (periodic)  builders: runtests\n")) << out;
  EXPECT_TRUE(contains(out, "      periodic due 2026-11-22T10:00:00.000000Z\n")) << out;
  EXPECT_TRUE(contains(out, "  docs\n    pending:\n      request 4  buildset 2  priority 0"))
      << out;
  EXPECT_TRUE(contains(out, "    running:\n      #1  slave linux-1  requests 1 3  started "))
      << out;
  EXPECT_TRUE(contains(out, "  linux-1  attached to m1  max_builds 2  running: runtests #1\n"))
      << out;
  EXPECT_TRUE(contains(out, "  mac-1  detached  running: none\n")) << out;
  EXPECT_TRUE(contains(out, "locks held:\n  compile (exclusive) held by runtests #1 since "))
      << out;
}

TEST_F(HistoryCommands, StateWithoutARecordedConfigurationSaysSo) {
  write();
  auto result = state("0", false);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(contains(result.out,
                       "configuration: none recorded at or before sequence 0 (no "
                       "ConfigLoaded precedes this point)"))
      << result.out;
  EXPECT_FALSE(contains(result.out, "schedulers:")) << result.out;
  EXPECT_TRUE(contains(result.out, "builders: none\n")) << result.out;

  // A store whose log has no ConfigLoaded at all still shows what needs no configuration.
  eventbot::testing::TempDir other("replay-history-noconfig");
  {
    store::RocksOptions options;
    options.dir = other.path();
    auto writer = store::RocksEventLog::open(options);
    ASSERT_TRUE(writer);
    for (std::size_t i = 1; i < scenario_.batches().size(); ++i) {
      ASSERT_TRUE((*writer)->append(scenario_.batches()[i]));
    }
  }
  auto opened = open_store_for_reading(other.path());
  ASSERT_TRUE(opened);
  std::ostringstream out, err;
  const std::string at = std::to_string(points().build1_running - 1);
  ASSERT_EQ(run_state(**opened, {at, true}, out, err), 0) << err.str();
  auto state = json::parse(out.str());
  EXPECT_TRUE(state["config"].is_null());
  EXPECT_TRUE(state["schedulers"].empty());
  EXPECT_EQ(builder_in(state, "runtests")["configured"], false);
  EXPECT_EQ(builder_in(state, "runtests")["running"].size(), 1u);
  EXPECT_EQ(ids_of(builder_in(state, "docs")["pending"]), (std::vector<std::uint64_t>{4}));
  EXPECT_TRUE(slave_in(state, "linux-1")["max_builds"].is_null());
  EXPECT_EQ(state["locks"].size(), 1u);
}

TEST_F(HistoryCommands, BadAtIsAUsageError) {
  write();
  for (const char* bad :
       {"yesterday", "-3", "2026-11-22", "2026-11-22T10:00:00", "12abc", "2026-02-30T10:00:00Z"}) {
    auto result = state(bad, false);
    EXPECT_EQ(result.code, 2) << bad;
    EXPECT_EQ(result.out, "") << bad;
    EXPECT_TRUE(result.err.starts_with("eventbot-replay: --at '")) << result.err;
    EXPECT_TRUE(contains(result.err, "2026-11-22T10:00:00Z")) << result.err;
  }
  auto result = state(std::to_string(points().end + 1), false);
  EXPECT_EQ(result.code, 2);
  EXPECT_TRUE(contains(result.err,
                       "past the head of the log (sequence " + std::to_string(points().end) + ")"))
      << result.err;
}

// Buildsets not completed, by the master's own rule (BuildsetTracker): open requests and
// the worst result so far, and a buildset whose last request ended before its
// BuildsetCompleted (the point inside the batch that records both).
TEST_F(HistoryCommands, StateShowsTheBuildsetsNotCompletedByTheMastersRule) {
  write();
  const auto& p = points();
  auto folded = state_json(p.build1_running);
  ASSERT_EQ(folded["buildsets"].size(), 2u) << folded["buildsets"].dump();
  EXPECT_EQ(folded["buildsets"][0], (json{{"id", 1},
                                          {"submitted", true},
                                          {"open_requests", {1}},
                                          {"result", "CANCELLED"},
                                          {"complete", false}}))
      << "request 2 was cancelled";
  EXPECT_EQ(folded["buildsets"][1]["open_requests"], json::array({3, 4}));
  EXPECT_EQ(folded["buildsets"][1]["result"], "SUCCESS");

  // After the lock release: BuildFinished, requests 1 and 3 completed; not yet
  // BuildsetCompleted (the batch's last event).
  folded = state_json(p.build1_running + 4);
  EXPECT_EQ(folded["buildsets"][0], (json{{"id", 1},
                                          {"submitted", true},
                                          {"open_requests", json::array()},
                                          {"result", "CANCELLED"},
                                          {"complete", true}}));
  folded = state_json(p.build1_running + 5);
  EXPECT_EQ(folded["buildsets"][0]["id"], 2) << "BuildsetCompleted ends buildset 1";

  auto text = state("now", false);
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_TRUE(contains(text.out,
                       "buildsets not completed:\n  buildset 5  requests open: 7  result so far "
                       "SUCCESS\n"))
      << text.out;
  text = state(std::to_string(p.build1_running + 4), false);
  EXPECT_TRUE(contains(text.out,
                       "  buildset 1  every request ended (CANCELLED): BuildsetCompleted not "
                       "recorded yet\n"))
      << text.out;
}

// ---------------------------------------------------------------------------------
// why
// ---------------------------------------------------------------------------------

TEST_F(HistoryCommands, WhyNamesTheChangesAndTheScheduler) {
  write();
  auto result = why("runtests", 1, false);
  ASSERT_EQ(result.code, 0) << result.err;
  const auto& out = result.out;
  auto lines = lines_of(out);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(lines[0].starts_with("build runtests #1: FAILURE on slave linux-1, started "))
      << lines[0];
  EXPECT_TRUE(contains(out, "  <- request 1 (builder runtests, priority 0): submitted ")) << out;
  EXPECT_TRUE(contains(out, "  <- request 3 (builder runtests, priority 0): submitted ")) << out;
  EXPECT_TRUE(contains(out, ", claimed by m1 at ")) << out;
  EXPECT_TRUE(contains(out, ", completed FAILURE by build #1 at ")) << out;
  EXPECT_TRUE(contains(out, "     <- buildset 1 from scheduler main, submitted ")) << out;
  EXPECT_TRUE(contains(out, "     <- buildset 2 from scheduler main, submitted ")) << out;
  EXPECT_TRUE(contains(out,
                       "        <- change 1 by alice: revision abc123 on branch \"master\" "
                       "of https://example.org/project.git\n"))
      << out;
  EXPECT_TRUE(contains(out, "comments: Fix the frobnicator\n")) << out;
  EXPECT_TRUE(contains(out, "files: src/frob.cpp, src/frob.hpp\n")) << out;
  EXPECT_TRUE(contains(out, "<- change 2 by bob: revision def456")) << out;
  EXPECT_TRUE(contains(out, " by sendchange\n")) << out;
  EXPECT_FALSE(contains(out, "timer")) << out;

  result = why("runtests", 1, true);
  ASSERT_EQ(result.code, 0) << result.err;
  auto chain = json::parse(result.out);
  EXPECT_EQ(chain["build"]["result"], "FAILURE");
  EXPECT_EQ(chain["build"]["requests"], json::array({1, 3}));
  EXPECT_EQ(ids_of(chain["requests"]), (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(chain["requests"][0]["history"][0]["event"], "claimed");
  EXPECT_EQ(chain["requests"][0]["history"][1]["event"], "completed");
  EXPECT_EQ(ids_of(chain["buildsets"]), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(chain["buildsets"][0]["scheduler"], "main");
  EXPECT_TRUE(chain["buildsets"][0]["timer"].is_null());
  EXPECT_EQ(chain["buildsets"][0]["result"], "FAILURE");
  ASSERT_EQ(chain["changes"].size(), 2u);
  EXPECT_EQ(chain["changes"][0]["revision"], "abc123");
  EXPECT_EQ(chain["changes"][0]["who"], "alice");
  EXPECT_EQ(chain["changes"][0]["files"], json::array({"src/frob.cpp", "src/frob.hpp"}));
  EXPECT_EQ(chain["changes"][0]["source"], "sendchange");
  EXPECT_EQ(chain["changes"][1]["revision"], "def456");
}

TEST_F(HistoryCommands, WhyFollowsATriggerToItsParentBuildset) {
  write();
  auto result = why("publish", 1, false);
  ASSERT_EQ(result.code, 0) << result.err;
  const auto& out = result.out;
  EXPECT_TRUE(contains(out, "<- buildset 3 from scheduler docs-publish")) << out;
  EXPECT_TRUE(contains(out, "external id: docs/1\n")) << out;
  EXPECT_TRUE(contains(out, "triggered from buildset 2\n")) << out;
  EXPECT_TRUE(contains(out, "<- buildset 2 from scheduler main")) << out;
  EXPECT_TRUE(contains(out, "<- change 2 by bob: revision def456")) << out;

  auto chain = json::parse(why("publish", 1, true).out);
  EXPECT_EQ(ids_of(chain["buildsets"]), (std::vector<std::uint64_t>{3, 2}));
  EXPECT_EQ(chain["buildsets"][0]["parent_buildset"], 2);
  EXPECT_EQ(chain["buildsets"][0]["external_idstring"], "docs/1");
  EXPECT_TRUE(chain["buildsets"][1]["parent_buildset"].is_null());
}

TEST_F(HistoryCommands, WhyNamesTheTimerThatFiredAndTheRetry) {
  write();
  auto result = why("runtests", 3, false);
  ASSERT_EQ(result.code, 0) << result.err;
  const auto& out = result.out;
  EXPECT_TRUE(contains(out, "<- buildset 4 from scheduler hourly")) << out;
  EXPECT_TRUE(contains(out, "timer periodic of scheduler hourly fired at ")) << out;
  EXPECT_TRUE(contains(out, "(due 2026-11-22T10:00:00.000000Z)")) << out;
  EXPECT_TRUE(contains(out, ", unclaimed (build runtests #2 ended RETRY) at ")) << out;

  auto chain = json::parse(why("runtests", 2, true).out);
  EXPECT_EQ(chain["build"]["result"], "RETRY");
  ASSERT_TRUE(chain["buildsets"][0]["timer"].is_object()) << chain.dump();
  EXPECT_EQ(chain["buildsets"][0]["timer"]["name"], "periodic");
  EXPECT_EQ(chain["buildsets"][0]["timer"]["due_at"], "2026-11-22T10:00:00.000000Z");
  std::vector<std::string> history;
  for (const auto& h : chain["requests"][0]["history"]) history.push_back(h["event"]);
  EXPECT_EQ(history, (std::vector<std::string>{"claimed", "unclaimed", "claimed", "completed"}));
  EXPECT_TRUE(chain["changes"].empty());
}

TEST_F(HistoryCommands, WhyForcedBuildNamesWhoForcedIt) {
  write();
  // Run request 7 as runtests #4 so that there is a build to ask about.
  {
    reader_.reset();
    store::RocksOptions options;
    options.dir = dir_.path();
    auto writer = store::RocksEventLog::open(options);
    ASSERT_TRUE(writer);
    events::Envelope started;
    started.set_stream(streams::build("runtests", 4));
    started.mutable_build_started()->set_builder("runtests");
    started.mutable_build_started()->set_number(4);
    started.mutable_build_started()->add_request_ids(7);
    started.mutable_build_started()->set_slave("linux-1");
    started.mutable_build_started()->set_reason("A build was forced by 'dave': check the release");
    store::AppendRequest request;
    request.events.push_back(started);
    ASSERT_TRUE((*writer)->append(std::move(request)));
  }
  reopen();
  auto result = why("runtests", 4, false);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(lines_of(result.out)[0].starts_with("build runtests #4: running on slave linux-1"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "<- buildset 5 from scheduler force")) << result.out;
  EXPECT_TRUE(contains(result.out, "forced by dave\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "owner=\"dave\" (Force Build Form)")) << result.out;
  auto chain = json::parse(why("runtests", 4, true).out);
  EXPECT_EQ(chain["buildsets"][0]["forced_by"], "dave");
  EXPECT_TRUE(chain["build"]["result"].is_null());
}

TEST_F(HistoryCommands, WhyUnknownBuildExitsWithOne) {
  write();
  auto result = why("runtests", 9, false);
  EXPECT_EQ(result.code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "eventbot-replay: no build runtests #9 in the log (eventbot-replay DIR builds "
            "--builder runtests lists its builds)\n");
  result = why("nosuchbuilder", 1, true);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "no build nosuchbuilder #1")) << result.err;
}

// ---------------------------------------------------------------------------------
// Log chunks' bytes are never read
// ---------------------------------------------------------------------------------

// Overwrites every record of the `logs` column family with bytes no reader can decode:
// a command that read a chunk's data would fail.
void spoil_log_chunks(const std::filesystem::path& dir) {
  const std::vector<std::string> names = {
      rocksdb::kDefaultColumnFamilyName, "events", "streams", "logs", "snapshots", "meta"};
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(rocksdb::DBOptions(), dir.string(), descriptors, &handles, &raw);
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::unique_ptr<rocksdb::DB> db(raw);
  std::vector<std::string> keys;
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[3]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
  }
  EXPECT_FALSE(keys.empty());
  for (const auto& key : keys) {
    EXPECT_TRUE(db->Put(rocksdb::WriteOptions(), handles[3], key, "\x0f\xff\xff").ok());
  }
  for (auto* handle : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  EXPECT_TRUE(db->Close().ok());
}

TEST_F(HistoryCommands, NoCommandReadsLogChunksData) {
  write();
  reader_.reset();
  spoil_log_chunks(dir_.path());
  reopen();
  // The spoiled chunk is unreadable...
  auto chunks = reader_->read_log(streams::log("runtests", 1, 0, "stdio"), StreamVersion(1), 10);
  if (chunks) {
    ASSERT_FALSE(chunks->empty());
    EXPECT_NE(chunks->front().data, "make\ncc -c frob.cpp\n");
  }
  // ...and every command still answers in full.
  EXPECT_EQ(json_lines(builds({"", true}).out).size(), 5u);
  EXPECT_EQ(json_lines(requests({"", true}).out).size(), 7u);
  EXPECT_EQ(state(std::to_string(points().end), true).code, 0);
  EXPECT_EQ(why("runtests", 1, true).code, 0);
}

}  // namespace
}  // namespace eventbot::replay
