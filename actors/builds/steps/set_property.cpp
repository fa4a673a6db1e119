#include "actors/builds/steps/set_property.hpp"

#include "actors/builds/steps/line_reader.hpp"
#include "actors/builds/steps/shell.hpp"

namespace eventbot::builds {
namespace {

class SetPropertyInterpreter final : public StepInterpreter {
 public:
  explicit SetPropertyInterpreter(std::vector<events::Property> properties)
      : properties_(std::move(properties)) {}

  StepOutcome finish_master(const MasterActionResult& result,
                            const Properties& properties) override {
    StepOutcome outcome = StepInterpreter::finish_master(result, properties);
    if (outcome.result == events::SUCCESS) outcome.properties = properties_;
    return outcome;
  }

 private:
  std::vector<events::Property> properties_;
};

std::string strip(const std::string& text) {
  const char* space = " \t\r\n\f\v";
  const auto first = text.find_first_not_of(space);
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

class FromCommandInterpreter final : public StepInterpreter {
 public:
  FromCommandInterpreter(std::string property, bool strip, std::optional<Regex> extract)
      : property_(std::move(property)), strip_(strip), extract_(std::move(extract)) {}

  void output(const wire::Output& output) override {
    if (extract_) {
      lines_.feed(output, [this](std::string_view line) { extract(line); });
      return;
    }
    if (output.kind() != wire::STDOUT) return;
    if (stdout_.size() + output.data().size() > kMaxPropertyOutput) {
      too_long_ = true;
      return;
    }
    stdout_ += output.data();
  }

  StepOutcome finish(const wire::CommandResult& result, const Properties& properties) override {
    if (extract_) lines_.flush([this](std::string_view line) { extract(line); });
    StepOutcome outcome = StepInterpreter::finish(result, properties);
    if (outcome.result != events::SUCCESS && outcome.result != events::WARNINGS) return outcome;
    if (extract_) {
      for (const auto& [name, value] : extracted_) {
        outcome.properties.push_back(make_property(name, value, kSourceSetProperty));
      }
      return outcome;
    }
    if (too_long_) {
      outcome = base_outcome(events::FAILURE);
      outcome.text.push_back("output longer than " + std::to_string(kMaxPropertyOutput) + " bytes");
      return outcome;
    }
    outcome.properties.push_back(
        make_property(property_, strip_ ? strip(stdout_) : stdout_, kSourceSetProperty));
    return outcome;
  }

 private:
  void extract(std::string_view line) {
    auto m = extract_->search_groups(line);
    if (!m) return;
    for (const auto& [index, name] : extract_->group_names()) {
      const auto& group = (*m)[static_cast<std::size_t>(index)];
      if (group) extracted_[name] = std::string(*group);
    }
  }

  std::string property_;
  bool strip_;
  std::optional<Regex> extract_;
  LineReader lines_;
  std::string stdout_;
  bool too_long_ = false;
  std::map<std::string, std::string> extracted_;
};

}  // namespace

Expected<Regex, std::string> compile_named_regex(const std::string& pattern) {
  auto compiled = Regex::compile(pattern);
  if (!compiled) return unexpected("is not a regular expression: " + compiled.error());
  if (compiled->group_names().empty()) {
    return unexpected(std::string("has no named group such as (?P<name>...)"));
  }
  return compiled;
}

void prepare_set_property(StepParams& params, const StepContext&, PreparedStep& step) {
  params.require("property");
  params.require("value");
  const std::string name = params.string("property").value_or("");
  if (params.has("property") && name.empty()) params.error("property", "is empty");
  const auto* value = params.json("value");
  nlohmann::json rendered = value ? params.render_json("value", *value) : nlohmann::json();
  step.plan.kind = StepPlan::Kind::set_properties;
  step.plan.properties = {make_property(name, rendered, kSourceSetProperty)};
  step.interpreter = std::make_unique<SetPropertyInterpreter>(step.plan.properties);
  if (step.common.description.empty()) step.common.description = {"setting", name};
  if (step.common.description_done.empty()) step.common.description_done = {"set", name};
}

void prepare_set_property_from_command(StepParams& params, const StepContext& context,
                                       PreparedStep& step) {
  params.require("command");
  read_shell(params, context, {}, step);
  auto property = params.string("property");
  auto pattern = params.raw_string("extract_fn");
  const bool strip = params.boolean("strip").value_or(true);
  if (property.has_value() == pattern.has_value()) {
    params.error("", "give exactly one of property and extract_fn");
  }
  if (property && property->empty()) params.error("property", "is empty");
  std::optional<Regex> extract;
  if (pattern) {
    auto compiled = compile_named_regex(*pattern);
    if (!compiled) {
      params.error("extract_fn", compiled.error());
    } else {
      extract = std::move(*compiled);
    }
  }
  auto decode = step.interpreter->decode_rc;
  step.interpreter =
      std::make_unique<FromCommandInterpreter>(property.value_or(""), strip, std::move(extract));
  step.interpreter->decode_rc = decode;
}

}  // namespace eventbot::builds
