// `step`, in-process, driven by piped keys: n, p, q (and Enter) walk the events, each
// shown with what it changed in the state.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "replay/exit_code.hpp"
#include "replay/open_store.hpp"
#include "replay/step_command.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/replay/history_scenario.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::replay {
namespace {

using replay::testing::Scenario;

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

class Step : public ::testing::Test {
 protected:
  void SetUp() override {
    auto writer = store::test::open_store(dir_.path());
    ASSERT_TRUE(writer);
    Scenario::append_to(*writer, scenario_);
    head_ = writer->head().value();
  }

  struct Output {
    int code = -1;
    std::string out, err;
  };
  Output step(const StepOptions& options, const std::string& keys) {
    auto reader = open_store_for_reading(dir_.path());
    EXPECT_TRUE(reader);
    std::istringstream in(keys);
    std::ostringstream out, err;
    Output result;
    result.code = run_step(**reader, options, in, out, err);
    result.out = out.str();
    result.err = err.str();
    return result;
  }

  ::eventbot::testing::TempDir dir_;
  Scenario scenario_;
  std::uint64_t head_ = 0;
};

TEST_F(Step, NextAndPreviousWalkTheEventsAndQuitEnds) {
  StepOptions options;
  options.from = head_ - 2;
  // n, Enter (also next), p, q: events head-2, head-1, head, head-1.
  auto result = step(options, "n\n\np\nq\n");
  ASSERT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(count_of(result.out, "[1/3] " + std::to_string(head_ - 2) + " "), 1u) << result.out;
  EXPECT_EQ(count_of(result.out, "[2/3] " + std::to_string(head_ - 1) + " "), 2u) << result.out;
  EXPECT_EQ(count_of(result.out, "[3/3] " + std::to_string(head_) + " "), 1u) << result.out;
  EXPECT_EQ(count_of(result.out, "[n]ext [p]revious [q]uit> "), 4u) << result.out;
}

TEST_F(Step, EachEventShowsWhatItChangedInTheState) {
  // The whole life of build runtests #1, one event after another, to its end.
  StepOptions options;
  options.by_build = true;
  options.builder = "runtests";
  options.number = 1;
  auto result = step(options, std::string(40, 'n'));
  ASSERT_EQ(result.code, kExitOk) << result.err;
  // Its BuildStarted: the build starts, its requests leave the queue.
  EXPECT_NE(result.out.find("BuildStarted"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("  builds started:\n    runtests #1 at "), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("  locks acquired: compile by runtests #1"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("  builds finished:\n    runtests #1 FAILURE at "), std::string::npos)
      << result.out;
  // Beyond the last event it says so instead of moving.
  EXPECT_NE(result.out.find("(the last event: p to go back, q to quit)"), std::string::npos);
}

TEST_F(Step, BeforeTheFirstEventPreviousStaysAndAnUnknownBuildIsAnError) {
  StepOptions options;
  auto result = step(options, "pq");
  ASSERT_EQ(result.code, kExitOk);
  EXPECT_NE(result.out.find("(the first event: n to go on, q to quit)"), std::string::npos);
  EXPECT_EQ(count_of(result.out, "[1/" + std::to_string(head_) + "] 1 "), 1u) << result.out;

  options.by_build = true;
  options.builder = "runtests";
  options.number = 99;
  result = step(options, "q");
  EXPECT_EQ(result.code, kExitNotFound);
  EXPECT_NE(result.err.find("no build runtests #99 in the log"), std::string::npos);
}

}  // namespace
}  // namespace eventbot::replay
