#include "actors/builds/steps/test_step.hpp"

#include <charconv>
#include <limits>

#include "actors/builds/steps/line_reader.hpp"
#include "actors/builds/steps/shell.hpp"
#include "common/regex.hpp"

namespace eventbot::builds {
namespace {

const Regex kGtestPassed = *Regex::compile(R"(^\[  PASSED  \] (\d+) tests?\b)");
const Regex kGtestFailed = *Regex::compile(R"(^\[  FAILED  \] (\d+) tests?, listed below)");
const Regex kGtestSkipped = *Regex::compile(R"(^\[  SKIPPED \] (\d+) tests?\b)");
const Regex kCtest = *Regex::compile(R"((\d+)% tests passed, (\d+) tests? failed out of (\d+))");
const Regex kGeneric = *Regex::compile(R"((?:^|[^\w])(\d+) (passed|failed|skipped|errors?)\b)");

// A count from the output: a number too large for 64 bits (output is not trusted to be
// sensible) counts as the largest one rather than throwing.
std::uint64_t number(std::optional<std::string_view> digits) {
  if (!digits) return 0;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits->data(), digits->data() + digits->size(), value);
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<std::uint64_t>::max();
  return end == digits->data() + digits->size() ? value : 0;
}

// Sums without wrapping around.
void add(std::uint64_t& total, std::uint64_t n) {
  total = n > std::numeric_limits<std::uint64_t>::max() - total
              ? std::numeric_limits<std::uint64_t>::max()
              : total + n;
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

void TestCounter::line(std::string_view line) {
  if (auto passed = kGtestPassed.search_groups(line)) {
    add(counts_.passed, number((*passed)[1]));
  } else if (auto failed = kGtestFailed.search_groups(line)) {
    add(counts_.failed, number((*failed)[1]));
  } else if (auto skipped = kGtestSkipped.search_groups(line)) {
    add(counts_.skipped, number((*skipped)[1]));
  } else if (auto ctest = kCtest.search_groups(line)) {
    const std::uint64_t failed = number((*ctest)[2]);
    const std::uint64_t total = number((*ctest)[3]);
    add(counts_.failed, failed);
    add(counts_.passed, total >= failed ? total - failed : 0);
  } else {
    bool any = false;
    for (const auto& match : kGeneric.search_all(line)) {
      const std::string_view word = match[2].value_or("");
      const std::uint64_t n = number(match[1]);
      if (word == "passed") {
        add(counts_.passed, n);
      } else if (word == "skipped") {
        add(counts_.skipped, n);
      } else {
        add(counts_.failed, n);
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
