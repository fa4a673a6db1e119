#pragma once
// test: Buildbot's Test. Default command ["make", "test"], description "testing" / "test",
// warn_on_failure. Counts tests from the output lines it recognises, summed over every
// summary line (a `make test` may run several suites):
//
//   GoogleTest  "[  PASSED  ] N tests."  "[  FAILED  ] N tests, listed below:"
//               "[  SKIPPED ] N tests"
//   CTest       "P% tests passed, F tests failed out of T"   (passed = T - F)
//   generic     a line with "N passed", "N failed", "N skipped" or "N error(s)" words
//               (pytest's "=== 2 failed, 10 passed, 1 skipped in 0.3s ==="); errors
//               count as failed
//
// Outcome: FAILURE when any test failed (whatever the exit code), else the command's
// result; statistics tests-total, tests-passed, tests-failed, tests-skipped; the text
// adds "N tests", "N passed", "N failed", "N skipped".
#include <cstdint>
#include <string_view>

#include "actors/builds/steps/params.hpp"
#include "actors/builds/steps/step_plan.hpp"

namespace eventbot::builds {

struct TestCounts {
  std::uint64_t passed = 0;
  std::uint64_t failed = 0;
  std::uint64_t skipped = 0;
  bool seen = false;  // some summary line was recognised

  std::uint64_t total() const { return passed + failed + skipped; }
};

class TestCounter {
 public:
  void line(std::string_view line);
  const TestCounts& counts() const { return counts_; }

 private:
  TestCounts counts_;
};

void prepare_test(StepParams& params, const StepContext& context, PreparedStep& step);

}  // namespace eventbot::builds
