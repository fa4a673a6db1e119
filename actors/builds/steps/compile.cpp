#include "actors/builds/steps/compile.hpp"

#include "actors/builds/steps/shell.hpp"

namespace eventbot::builds {
namespace {

const std::regex kSuppressionLine(R"(^\s*(.+?)\s*:\s*(.+?)\s*(?::\s*([0-9]+)(?:-([0-9]+))?\s*)?$)");
const std::regex kCommentOrEmpty(R"(^\s*(#.*)?$)");

std::optional<std::regex> compile_regex(StepParams& params, const std::string& key,
                                        const std::string& text) {
  try {
    return std::regex(text);
  } catch (const std::regex_error& e) {
    params.error(key, "\"" + text + "\" is not a regular expression: " + e.what());
    return std::nullopt;
  }
}

class CompileInterpreter final : public StepInterpreter {
 public:
  CompileInterpreter(WarningCounter::Options options, std::optional<std::int64_t> max_warn_count)
      : counter_(std::move(options)), max_warn_count_(max_warn_count) {}

  void output(const wire::Output& output) override {
    lines_.feed(output, [this](std::string_view line) { counter_.line(line); });
  }

  StepOutcome finish(const wire::CommandResult& result, const Properties& properties) override {
    lines_.flush([this](std::string_view line) { counter_.line(line); });
    Result step_result = command_result(result, decode_rc);
    const std::uint64_t count = counter_.count();
    if (step_result == events::SUCCESS || step_result == events::WARNINGS) {
      if (max_warn_count_ && count > static_cast<std::uint64_t>(*max_warn_count_)) {
        step_result = events::FAILURE;
      } else if (count > 0) {
        step_result = worst(step_result, events::WARNINGS);
      }
    }
    StepOutcome outcome = base_outcome(step_result);
    if (count > 0) {
      outcome.text.insert(outcome.text.begin() + static_cast<long>(description_done.size()),
                          "warnings " + std::to_string(count));
      if (step_result == events::WARNINGS && outcome.text.back() == "warnings") {
        outcome.text.pop_back();
      }
      outcome.logs.push_back(GeneratedLog{"warnings", counter_.log_text()});
    }
    outcome.statistics["warnings-count"] = std::to_string(count);
    std::int64_t total = static_cast<std::int64_t>(count);
    if (const auto* previous = properties.get("warnings-count");
        previous && previous->is_number_integer()) {
      total += previous->get<std::int64_t>();
    }
    outcome.properties.push_back(
        make_property("warnings-count", total, "WarningCountingShellCommand"));
    return outcome;
  }

 private:
  LineReader lines_;
  WarningCounter counter_;
  std::optional<std::int64_t> max_warn_count_;
};

std::optional<Suppression> read_suppression(StepParams& params, const nlohmann::json& entry) {
  if (entry.is_string()) {
    auto parsed = parse_suppression_line(entry.get<std::string>());
    if (!parsed) {
      params.error("suppressions", parsed.error());
      return std::nullopt;
    }
    return *parsed;
  }
  if (!entry.is_object()) {
    params.error("suppressions", "each entry is \"file : warning [: lines]\" or a map");
    return std::nullopt;
  }
  Suppression out;
  for (const auto& [key, value] : entry.items()) {
    if ((key == "file" || key == "warning") && (value.is_string() || value.is_null())) {
      if (value.is_null()) continue;
      auto re = compile_regex(params, "suppressions." + key, value.get<std::string>());
      (key == "file" ? out.file : out.warning) = re;
    } else if ((key == "start" || key == "end") && value.is_number_integer()) {
      (key == "start" ? out.start : out.end) = value.get<int>();
    } else {
      params.error("suppressions", "\"" + key +
                                       "\" is not a suppression field (file, warning: regexes; "
                                       "start, end: line numbers)");
    }
  }
  if (out.start && !out.end) out.end = out.start;
  if (out.end && !out.start) params.error("suppressions", "an end line needs a start line");
  return out;
}

}  // namespace

Expected<std::optional<Suppression>, std::string> parse_suppression_line(const std::string& line) {
  if (std::regex_match(line, kCommentOrEmpty)) return std::optional<Suppression>{};
  std::smatch m;
  if (!std::regex_match(line, m, kSuppressionLine)) {
    return unexpected("\"" + line + "\" is not \"file-regex : warning-regex [: N[-M]]\"");
  }
  Suppression out;
  try {
    out.file = std::regex(m[1].str());
    out.warning = std::regex(m[2].str());
  } catch (const std::regex_error& e) {
    return unexpected("\"" + line + "\" holds a bad regular expression: " + e.what());
  }
  if (m[3].matched) {
    out.start = std::stoi(m[3].str());
    out.end = m[4].matched ? std::stoi(m[4].str()) : *out.start;
  }
  return std::optional<Suppression>(std::move(out));
}

void WarningCounter::line(std::string_view text) {
  const std::string line(text);
  std::smatch m;
  if (std::regex_search(line, m, options_.enter) && m.size() > 1) {
    directories_.push_back(m[1].str());
    return;
  }
  if (std::regex_search(line, options_.leave)) {
    if (!directories_.empty()) directories_.pop_back();
    return;
  }
  if (!std::regex_search(line, m, options_.pattern, std::regex_constants::match_continuous)) {
    return;
  }
  if (!options_.suppressions.empty()) {
    std::string file;
    std::optional<int> line_no;
    std::string warning = line;
    if (options_.extract_groups && m.size() > 3) {
      file = m[1].str();
      try {
        line_no = std::stoi(m[2].str());
      } catch (const std::exception&) {
      }
      warning = m[3].str();
    }
    if (!file.empty() && !directories_.empty()) {
      std::string prefix;
      for (const auto& dir : directories_) prefix += (prefix.empty() ? "" : "/") + dir;
      file = prefix + "/" + file;
    }
    if (suppressed(file, line_no, warning)) return;
  }
  ++count_;
  if (log_.size() + line.size() + 1 <= kMaxWarningsLog) {
    log_ += line;
    log_ += '\n';
  } else {
    ++left_out_;
  }
}

bool WarningCounter::suppressed(const std::string& file, std::optional<int> line_no,
                                const std::string& text) const {
  for (const auto& s : options_.suppressions) {
    // As Buildbot: a warning with no file name passes the file test.
    if (!file.empty() && s.file &&
        !std::regex_search(file, *s.file, std::regex_constants::match_continuous)) {
      continue;
    }
    if (s.warning && !std::regex_search(text, *s.warning)) continue;
    if (s.start && (!line_no || *line_no < *s.start || *line_no > *s.end)) continue;
    return true;
  }
  return false;
}

std::string WarningCounter::log_text() const {
  if (left_out_ == 0) return log_;
  return log_ + "... and " + std::to_string(left_out_) + " more warnings (the log is full)\n";
}

void prepare_compile(StepParams& params, const StepContext& context, PreparedStep& step) {
  if (step.common.description.empty()) step.common.description = {"compiling"};
  if (step.common.description_done.empty()) step.common.description_done = {"compile"};
  read_shell(params, context, {"make", "all"}, step);
  WarningCounter::Options options;
  if (auto pattern = params.raw_string("warning_pattern")) {
    if (auto re = compile_regex(params, "warning_pattern", *pattern)) options.pattern = *re;
  }
  const std::string extractor = params.raw_string("warning_extractor").value_or("whole_line");
  if (extractor == "groups") {
    options.extract_groups = true;
  } else if (extractor != "whole_line") {
    params.error("warning_extractor", "must be \"whole_line\" or \"groups\"");
  }
  if (const auto* list = params.json("suppressions"); list && !list->is_null()) {
    if (!list->is_array()) {
      params.error("suppressions", "must be a list");
    } else {
      for (const auto& entry : *list) {
        if (auto s = read_suppression(params, entry)) options.suppressions.push_back(*s);
      }
    }
  }
  if (auto enter = params.raw_string("directory_enter_pattern")) {
    if (auto re = compile_regex(params, "directory_enter_pattern", *enter)) options.enter = *re;
  }
  if (auto leave = params.raw_string("directory_leave_pattern")) {
    if (auto re = compile_regex(params, "directory_leave_pattern", *leave)) options.leave = *re;
  }
  auto max_warn_count = params.integer("max_warn_count");
  auto decode = step.interpreter->decode_rc;
  step.interpreter = std::make_unique<CompileInterpreter>(std::move(options), max_warn_count);
  step.interpreter->decode_rc = decode;
}

}  // namespace eventbot::builds
