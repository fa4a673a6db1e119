#include "actors/builds/steps/test_step.hpp"

#include <regex>

#include "actors/builds/steps/line_reader.hpp"
#include "actors/builds/steps/shell.hpp"

namespace eventbot::builds {
namespace {

const std::regex kGtestPassed(R"(^\[  PASSED  \] (\d+) tests?\b)");
const std::regex kGtestFailed(R"(^\[  FAILED  \] (\d+) tests?, listed below)");
const std::regex kGtestSkipped(R"(^\[  SKIPPED \] (\d+) tests?\b)");
const std::regex kCtest(R"((\d+)% tests passed, (\d+) tests? failed out of (\d+))");
const std::regex kGeneric(R"((?:^|[^\w])(\d+) (passed|failed|skipped|errors?)\b)");

std::uint64_t number(const std::ssub_match& m) {
  return std::stoull(m.str());
}

class TestInterpreter final : public StepInterpreter {
 public:
  void output(const wire::Output& output) override {
    lines_.feed(output, [this](std::string_view line) { counter_.line(line); });
  }

  StepOutcome finish(const wire::CommandResult& result, const Properties&) override {
    lines_.flush([this](std::string_view line) { counter_.line(line); });
    const TestCounts& c = counter_.counts();
    Result step_result = command_result(result, decode_rc);
    if (c.failed > 0) step_result = worst(step_result, events::FAILURE);
    StepOutcome outcome = base_outcome(step_result);
    if (c.seen) {
      std::vector<std::string> words = {std::to_string(c.total()) + " tests",
                                        std::to_string(c.passed) + " passed"};
      if (c.failed) words.push_back(std::to_string(c.failed) + " failed");
      if (c.skipped) words.push_back(std::to_string(c.skipped) + " skipped");
      outcome.text.insert(outcome.text.begin() + static_cast<long>(description_done.size()),
                          words.begin(), words.end());
      outcome.statistics["tests-total"] = std::to_string(c.total());
      outcome.statistics["tests-passed"] = std::to_string(c.passed);
      outcome.statistics["tests-failed"] = std::to_string(c.failed);
      outcome.statistics["tests-skipped"] = std::to_string(c.skipped);
    }
    return outcome;
  }

 private:
  LineReader lines_;
  TestCounter counter_;
};

}  // namespace

void TestCounter::line(std::string_view text) {
  const std::string line(text);
  std::smatch m;
  if (std::regex_search(line, m, kGtestPassed)) {
    counts_.passed += number(m[1]);
  } else if (std::regex_search(line, m, kGtestFailed)) {
    counts_.failed += number(m[1]);
  } else if (std::regex_search(line, m, kGtestSkipped)) {
    counts_.skipped += number(m[1]);
  } else if (std::regex_search(line, m, kCtest)) {
    const std::uint64_t failed = number(m[2]);
    const std::uint64_t total = number(m[3]);
    counts_.failed += failed;
    counts_.passed += total >= failed ? total - failed : 0;
  } else {
    bool any = false;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), kGeneric);
         it != std::sregex_iterator(); ++it) {
      const std::string word = (*it)[2].str();
      const std::uint64_t n = number((*it)[1]);
      if (word == "passed") {
        counts_.passed += n;
      } else if (word == "skipped") {
        counts_.skipped += n;
      } else {
        counts_.failed += n;
      }
      any = true;
    }
    if (!any) return;
  }
  counts_.seen = true;
}

void prepare_test(StepParams& params, const StepContext& context, PreparedStep& step) {
  if (step.common.description.empty()) step.common.description = {"testing"};
  if (step.common.description_done.empty()) step.common.description_done = {"test"};
  read_shell(params, context, {"make", "test"}, step);
  auto decode = step.interpreter->decode_rc;
  step.interpreter = std::make_unique<TestInterpreter>();
  step.interpreter->decode_rc = decode;
}

}  // namespace eventbot::builds
