#include "actors/builds/steps/compile.hpp"

#include <charconv>

#include "actors/builds/steps/shell.hpp"

namespace eventbot::builds {
namespace {

const Regex kSuppressionLine =
    *Regex::compile(R"(\s*(.+?)\s*:\s*(.+?)\s*(?::\s*([0-9]+)(?:-([0-9]+))?\s*)?)");
const Regex kCommentOrEmpty = *Regex::compile(R"(\s*(#.*)?)");

std::optional<Regex> compile_regex(StepParams& params, const std::string& key,
                                   const std::string& text) {
  auto compiled = Regex::compile(text);
  if (!compiled) {
    params.error(key, "\"" + text + "\" is not a regular expression: " + compiled.error());
    return std::nullopt;
  }
  return std::move(*compiled);
}

// A line number as output or a suppression gives it; nothing when it is not one (too
// many digits included: output is not trusted to be small).
std::optional<int> line_number(std::optional<std::string_view> text) {
  if (!text) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

std::string str(std::optional<std::string_view> group) {
  return group ? std::string(*group) : std::string();
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
  if (kCommentOrEmpty.full_match(line)) return std::optional<Suppression>{};
  auto m = kSuppressionLine.full_match_groups(line);
  if (!m) {
    return unexpected("\"" + line + "\" is not \"file-regex : warning-regex [: N[-M]]\"");
  }
  Suppression out;
  auto file = Regex::compile(str((*m)[1]));
  auto warning = Regex::compile(str((*m)[2]));
  if (!file || !warning) {
    return unexpected("\"" + line + "\" holds a bad regular expression: " +
                      (file ? warning.error() : file.error()));
  }
  out.file = std::move(*file);
  out.warning = std::move(*warning);
  if ((*m)[3]) {
    out.start = line_number((*m)[3]);
    out.end = (*m)[4] ? line_number((*m)[4]) : out.start;
    if (!out.start || !out.end)
      return unexpected("\"" + line + "\" has a line number out of range");
  }
  return std::optional<Suppression>(std::move(out));
}

void WarningCounter::line(std::string_view line) {
  if (auto m = options_.enter.search_groups(line)) {
    if (m->size() > 1) {
      directories_.push_back(str((*m)[1]));
      return;
    }
  }
  if (options_.leave.search(line)) {
    if (!directories_.empty()) directories_.pop_back();
    return;
  }
  auto m = options_.pattern.match_prefix_groups(line);
  if (!m) return;
  if (!options_.suppressions.empty()) {
    std::string file;
    std::optional<int> line_no;
    std::string warning(line);
    if (options_.extract_groups && m->size() > 3) {
      file = str((*m)[1]);
      line_no = line_number((*m)[2]);
      warning = str((*m)[3]);
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
    if (!file.empty() && s.file && !s.file->match_prefix(file)) continue;
    if (s.warning && !s.warning->search(text)) continue;
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
