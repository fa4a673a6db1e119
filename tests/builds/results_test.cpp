// Result names, ordering, command results with decode_rc, and Build.stepDone's table.
#include "actors/builds/results.hpp"

#include <gtest/gtest.h>

namespace eventbot::builds {
namespace {

using events::CANCELLED;
using events::EXCEPTION;
using events::FAILURE;
using events::RETRY;
using events::SKIPPED;
using events::SUCCESS;
using events::WARNINGS;

wire::CommandResult finished(int rc) {
  wire::CommandResult r;
  r.set_outcome(wire::FINISHED);
  r.set_rc(rc);
  return r;
}

wire::CommandResult outcome(wire::CommandOutcome o) {
  wire::CommandResult r;
  r.set_outcome(o);
  r.set_rc(-1);
  return r;
}

ResultFlags flags(bool halt, bool flunk, bool warn_fail, bool flunk_warn, bool warn_warn) {
  return ResultFlags{halt, flunk, warn_fail, flunk_warn, warn_warn};
}

TEST(Results, NamesRoundTrip) {
  for (Result r : {SUCCESS, WARNINGS, FAILURE, SKIPPED, EXCEPTION, RETRY, CANCELLED}) {
    EXPECT_EQ(parse_result(result_name(r)), r);
  }
  EXPECT_EQ(parse_result("warnings"), WARNINGS);
  EXPECT_FALSE(parse_result("BROKEN").has_value());
  EXPECT_EQ(result_word(FAILURE), "failed");
  EXPECT_EQ(result_word(SUCCESS), "");
}

TEST(Results, WorstOrdering) {
  // RETRY > CANCELLED > EXCEPTION > FAILURE > WARNINGS > SKIPPED > SUCCESS
  const std::vector<Result> order = {SUCCESS,   SKIPPED,   WARNINGS, FAILURE,
                                     EXCEPTION, CANCELLED, RETRY};
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (std::size_t j = 0; j < order.size(); ++j) {
      EXPECT_EQ(worst(order[i], order[j]), order[std::max(i, j)]);
    }
  }
}

TEST(Results, CommandResultFromRcAndOutcome) {
  const DecodeRc d = default_decode_rc();
  EXPECT_EQ(command_result(finished(0), d), SUCCESS);
  EXPECT_EQ(command_result(finished(1), d), FAILURE);
  EXPECT_EQ(command_result(finished(-9), d), FAILURE);
  EXPECT_EQ(command_result(outcome(wire::TIMEOUT), d), FAILURE);
  EXPECT_EQ(command_result(outcome(wire::MAX_TIME), d), FAILURE);
  EXPECT_EQ(command_result(outcome(wire::INTERRUPTED), d), CANCELLED);
  EXPECT_EQ(command_result(outcome(wire::CANNOT_START), d), FAILURE);
  EXPECT_EQ(command_result(outcome(wire::FAILED), d), FAILURE);
}

TEST(Results, DecodeRcMapsCodes) {
  const DecodeRc d = {{0, SUCCESS}, {1, WARNINGS}, {3, SKIPPED}, {77, EXCEPTION}};
  EXPECT_EQ(command_result(finished(0), d), SUCCESS);
  EXPECT_EQ(command_result(finished(1), d), WARNINGS);
  EXPECT_EQ(command_result(finished(3), d), SKIPPED);
  EXPECT_EQ(command_result(finished(77), d), EXCEPTION);
  EXPECT_EQ(command_result(finished(2), d), FAILURE);
  const DecodeRc inverted = {{1, SUCCESS}};
  EXPECT_EQ(command_result(finished(0), inverted), FAILURE);
}

struct Row {
  Result step;
  ResultFlags flags;
  Result counted;
  bool halt;
};

TEST(Results, StepDoneTable) {
  const std::vector<Row> rows = {
      // FAILURE
      {FAILURE, flags(false, true, false, false, true), FAILURE, false},
      {FAILURE, flags(false, false, false, false, true), SUCCESS, false},
      {FAILURE, flags(false, false, true, false, true), WARNINGS, false},
      {FAILURE, flags(false, true, true, false, true), FAILURE, false},  // flunk beats warn
      {FAILURE, flags(true, true, false, false, true), FAILURE, true},
      {FAILURE, flags(true, false, false, false, true), SUCCESS, true},  // halt, no flunk
      // WARNINGS
      {WARNINGS, flags(false, true, false, false, true), WARNINGS, false},
      {WARNINGS, flags(false, true, false, false, false), SUCCESS, false},
      {WARNINGS, flags(false, true, false, true, false), FAILURE, false},
      {WARNINGS, flags(true, true, false, true, true), FAILURE, false},  // never halts
      // the rest
      {SUCCESS, flags(true, true, true, true, true), SUCCESS, false},
      {EXCEPTION, flags(false, false, false, false, false), EXCEPTION, true},
      {RETRY, flags(false, false, false, false, false), RETRY, true},
      {CANCELLED, flags(false, false, false, false, false), CANCELLED, true},
  };
  for (const Row& row : rows) {
    const StepEffect e = apply_step_result(SUCCESS, row.step, row.flags);
    EXPECT_EQ(e.counted, row.counted) << result_name(row.step);
    EXPECT_EQ(e.build_result, row.counted) << result_name(row.step);
    EXPECT_EQ(e.halt, row.halt) << result_name(row.step);
  }
}

TEST(Results, BuildKeepsItsWorst) {
  ResultFlags f;
  EXPECT_EQ(apply_step_result(FAILURE, SUCCESS, f).build_result, FAILURE);
  EXPECT_EQ(apply_step_result(WARNINGS, FAILURE, f).build_result, FAILURE);
  EXPECT_EQ(apply_step_result(FAILURE, WARNINGS, f).build_result, FAILURE);
  EXPECT_EQ(apply_step_result(CANCELLED, FAILURE, f).build_result, CANCELLED);
  EXPECT_EQ(apply_step_result(CANCELLED, RETRY, f).build_result, RETRY);
}

TEST(Results, SkippedLeavesTheBuildAlone) {
  ResultFlags f;
  for (Result before : {SUCCESS, WARNINGS, FAILURE}) {
    const StepEffect e = apply_step_result(before, SKIPPED, f);
    EXPECT_EQ(e.build_result, before);
    EXPECT_FALSE(e.halt);
  }
}

}  // namespace
}  // namespace eventbot::builds
