// builds, requests, state and why through the real eventbot-replay binary, against a store
// this test process keeps open for writing, as a running master would.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "store/rocks_event_log.hpp"
#include "tests/replay/history_scenario.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot {
namespace {

using nlohmann::json;
using replay::testing::Scenario;
using testing::ProcessResult;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class HistoryCli : public ::testing::Test {
 protected:
  void SetUp() override {
    store::RocksOptions options;
    options.dir = dir_.path();
    auto opened = store::RocksEventLog::open(options);
    ASSERT_TRUE(opened) << opened.error().message;
    writer_ = std::move(*opened);
    // Everything up to the RETRY; the rest is appended while the tool reads.
    Scenario::append_to(*writer_, scenario_, scenario_.points().retry_pending);
  }

  ProcessResult replay(std::vector<std::string> args) {
    args.insert(args.begin(), {testing::binary_dir() + "/eventbot-replay", dir_.path().string()});
    return testing::run_process(args);
  }

  testing::TempDir dir_{"replay-history-cli"};
  Scenario scenario_;
  std::unique_ptr<store::RocksEventLog> writer_;
};

TEST_F(HistoryCli, ReadsWhileTheWriterKeepsTheStoreOpen) {
  auto result = replay({"builds", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 4u) << result.out;
  auto last = json::parse(lines.back());
  EXPECT_EQ(last["builder"], "runtests");
  EXPECT_EQ(last["number"], 2);
  EXPECT_EQ(last["result"], "RETRY");

  result = replay({"requests", "--builder", "runtests"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 3u) << result.out;
  EXPECT_TRUE(lines[2].ends_with("  pending  (earlier builds: #2)")) << lines[2];

  // The master goes on: the rerun, and a forced request.
  Scenario::append_to(*writer_, scenario_, 0, scenario_.points().retry_pending);

  result = replay({"builds", "--builder", "runtests", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 3u) << result.out;
  EXPECT_EQ(json::parse(lines.back())["number"], 3);
  EXPECT_EQ(json::parse(lines.back())["result"], "SUCCESS");

  result = replay({"requests", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 7u) << result.out;
  EXPECT_EQ(json::parse(lines[6])["state"], "pending");
  EXPECT_EQ(json::parse(lines[5])["state"], "completed");

  result = replay({"state", "--at", std::to_string(scenario_.points().requests_pending), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto state = json::parse(result.out);
  EXPECT_EQ(state["schedulers"].size(), 4u);
  EXPECT_EQ(state["builders"][0]["name"], "runtests");
  EXPECT_EQ(state["builders"][0]["pending"].size(), 2u);

  // The hourly timer fired at 10:00:00 exactly: a second before, the docs were done.
  result = replay({"state", "--at", "2026-11-22T09:59:59Z"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(result.out.starts_with("state at sequence " +
                                     std::to_string(scenario_.points().docs_done) + " of "))
      << result.out;
  result = replay({"state", "--at", "2026-11-22T10:00:00Z"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(result.out.starts_with("state at sequence " +
                                     std::to_string(scenario_.points().docs_done + 1) + " of "))
      << result.out;

  result = replay({"why", "runtests", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "<- buildset 1 from scheduler main")) << result.out;
  EXPECT_TRUE(contains(result.out, "revision abc123")) << result.out;
}

TEST_F(HistoryCli, ErrorsHaveTheirExitCodes) {
  auto result = replay({"why", "runtests", "7"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_TRUE(result.err.starts_with("eventbot-replay: no build runtests #7 in the log"))
      << result.err;

  result = replay({"builds", "--builder", "nosuch"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(result.err.starts_with("eventbot-replay: unknown builder 'nosuch'")) << result.err;

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"state"},                      // --at is required
           {"state", "--at", "tomorrow"},  // neither a sequence nor a time
           {"state", "--at", "100000"},    // past the head
           {"why", "runtests"},            // no number
           {"why", "runtests", "one"},     // not a number
           {"builds", "--at", "3"},        // an option of another subcommand
       }) {
    result = replay(args);
    EXPECT_EQ(result.exit_code, 2) << args.back() << ": " << result.err;
    EXPECT_TRUE(result.err.starts_with("eventbot-replay: ")) << result.err;
    EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
  }
  result = replay({"state", "--at", "tomorrow"});
  EXPECT_TRUE(contains(result.err, "2026-11-22T10:00:00Z")) << result.err;

  result = testing::run_process({testing::binary_dir() + "/eventbot-replay", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* name : {"builds", "requests", "state", "why"}) {
    EXPECT_TRUE(contains(result.out, name)) << name << " in " << result.out;
  }
}

}  // namespace
}  // namespace eventbot
