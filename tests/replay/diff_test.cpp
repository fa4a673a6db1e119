// `diff --at A --at B`, in-process, on the scenario of history_scenario.hpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "replay/diff_command.hpp"
#include "replay/exit_code.hpp"
#include "replay/open_store.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/replay/history_scenario.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::replay {
namespace {

using nlohmann::json;
using replay::testing::Scenario;

class Diff : public ::testing::Test {
 protected:
  void SetUp() override {
    auto writer = store::test::open_store(dir_.path());
    ASSERT_TRUE(writer);
    Scenario::append_to(*writer, scenario_);
  }

  struct Output {
    int code = -1;
    std::string out, err;
  };
  Output diff(std::uint64_t a, std::uint64_t b, bool as_json) {
    return diff(std::to_string(a), std::to_string(b), as_json);
  }
  Output diff(const std::string& a, const std::string& b, bool as_json) {
    auto reader = open_store_for_reading(dir_.path());
    EXPECT_TRUE(reader);
    std::ostringstream out, err;
    Output result;
    result.code = run_diff(**reader, DiffOptions{a, b, as_json}, out, err);
    result.out = out.str();
    result.err = err.str();
    return result;
  }
  json diff_json(std::uint64_t a, std::uint64_t b) {
    auto result = diff(a, b, true);
    EXPECT_EQ(result.code, kExitOk) << result.err;
    return json::parse(result.out);
  }
  const Scenario::Points& points() const { return scenario_.points(); }

  ::eventbot::testing::TempDir dir_;
  Scenario scenario_;
};

json find_named(const json& array, const std::string& name) {
  for (const auto& item : array) {
    if (item["name"] == name) return item;
  }
  return json();
}

TEST_F(Diff, ABuildStartingTakesItsRequestsOffTheQueueAndTakesItsLock) {
  auto d = diff_json(points().requests_pending, points().build1_running);
  EXPECT_EQ(d["from"]["sequence"], points().requests_pending);
  EXPECT_EQ(d["to"]["sequence"], points().build1_running);
  ASSERT_EQ(d["builds_started"].size(), 1u) << d.dump();
  EXPECT_EQ(d["builds_started"][0]["builder"], "runtests");
  EXPECT_EQ(d["builds_started"][0]["number"], 1);
  EXPECT_TRUE(d["builds_finished"].empty());
  auto runtests = find_named(d["builders"], "runtests");
  ASSERT_FALSE(runtests.is_null()) << d.dump();
  EXPECT_EQ(runtests["left_queue"], json::array({1, 3}));
  EXPECT_EQ(runtests["started_running"], json::array({1}));
  EXPECT_EQ(d["locks"]["acquired"], json::array({"compile by runtests #1"}));
}

TEST_F(Diff, BetweenTheStartAndTheEndEveryBuildStartedAndFinishedIsListed) {
  auto d = diff_json(points().schedulers_started, points().end);
  // runtests #1, docs #1, publish #1, runtests #2 (RETRY) and #3.
  EXPECT_EQ(d["builds_started"].size(), 5u) << d.dump();
  EXPECT_EQ(d["builds_finished"].size(), 5u) << d.dump();
  // Request 7 (forced by dave) is what is left queued.
  EXPECT_EQ(find_named(d["builders"], "runtests")["queued"], json::array({7})) << d.dump();
  EXPECT_EQ(d["buildsets"]["opened"], json::array({5})) << d.dump();
}

TEST_F(Diff, TextNamesEachProjectionThatChanged) {
  auto result = diff(points().requests_pending, points().build1_running, false);
  ASSERT_EQ(result.code, kExitOk) << result.err;
  EXPECT_NE(result.out.find("builds started:\n  runtests #1 at "), std::string::npos) << result.out;
  EXPECT_NE(
      result.out.find("builder runtests:\n  requests gone from the queue: 1, 3\n  running: #1"),
      std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("locks acquired: compile by runtests #1"), std::string::npos)
      << result.out;
}

TEST_F(Diff, ABadPointIsAUsageError) {
  auto result = diff("1", "999999", false);
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_NE(result.err.find("past the head"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace eventbot::replay
