#pragma once
// compile: Buildbot's Compile (a WarningCountingShellCommand). Default command
// ["make", "all"], description "compiling" / "compile", halt_on_failure.
//
// Parameters (besides the shell ones): warning_pattern (".*warning[: ].*", matched from
// the start of each stdout/stderr line, as Python's re.match), warning_extractor
// ("whole_line": no file or line; "groups": groups 1, 2, 3 are file, line, text, as
// Buildbot's warnExtractFromRegexpGroups), suppressions (a list of
// "file-regex : text-regex [: N[-M]]" strings, the suppression file's lines, or maps
// {file, warning, start, end}), directory_enter_pattern / directory_leave_pattern
// (GNU make's by default; file names are prefixed with the directories entered),
// max_warn_count (none: more warnings than this is FAILURE).
//
// Outcome: WARNINGS when any warning was counted (FAILURE when the command failed or
// there are more than max_warn_count); statistic "warnings-count"; the build property
// "warnings-count" accumulates over all compile steps; a "warnings" log with the counted
// lines (at most kMaxWarningsLog bytes, then a note of how many were left out).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/builds/steps/line_reader.hpp"
#include "actors/builds/steps/params.hpp"
#include "actors/builds/steps/step_plan.hpp"
#include "common/regex.hpp"

namespace eventbot::builds {

inline constexpr std::string_view kDefaultWarningPattern = ".*warning[: ].*";
inline constexpr std::size_t kMaxWarningsLog = 1024 * 1024;

struct Suppression {
  std::optional<Regex> file;     // matched from the start of the file name
  std::optional<Regex> warning;  // searched in the warning's text
  std::optional<int> start;      // line range; none: every line
  std::optional<int> end;
};

// One suppression file line ("# comment" and blank lines give nullopt without error).
Expected<std::optional<Suppression>, std::string> parse_suppression_line(const std::string& line);

class WarningCounter {
 public:
  // RE2 patterns (common/regex.hpp); the defaults are Buildbot's.
  struct Options {
    Regex pattern = *Regex::compile(kDefaultWarningPattern);
    bool extract_groups = false;
    std::vector<Suppression> suppressions;
    Regex enter = *Regex::compile(R"(make.*: Entering directory ["`'](.*)['`"])");
    Regex leave = *Regex::compile("make.*: Leaving directory");
  };
  explicit WarningCounter(Options options) : options_(std::move(options)) {}

  void line(std::string_view line);
  std::uint64_t count() const { return count_; }
  // The counted lines, one per line, bounded by kMaxWarningsLog.
  std::string log_text() const;

 private:
  bool suppressed(const std::string& file, std::optional<int> line_no,
                  const std::string& text) const;
  Options options_;
  std::vector<std::string> directories_;
  std::uint64_t count_ = 0;
  std::uint64_t left_out_ = 0;
  std::string log_;
};

void prepare_compile(StepParams& params, const StepContext& context, PreparedStep& step);

}  // namespace eventbot::builds
