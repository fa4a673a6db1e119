#include "actors/intake/user_values.hpp"

#include <initializer_list>
#include <nlohmann/json.hpp>

#include "actors/intake/text.hpp"

namespace eventbot::intake {
namespace {

// A value quoted in a refusal: enough to recognise it, never a whole megabyte.
std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 60;
  TextLimit shown{"", kShown};
  return "'" + bounded_text(shown, text) + "'";
}

std::optional<std::string> mismatch(const Regex& regex, std::string_view field,
                                    std::string_view what, std::string_view value,
                                    const std::string& pattern) {
  if (regex.match_prefix(value)) return std::nullopt;
  return std::string(what) + " " + quoted(value) + " does not match validation." +
         std::string(field) + " " + pattern;
}

Expected<Ok, std::string> refuse(std::optional<std::string> problem) {
  if (problem) return unexpected(std::move(*problem));
  return Ok{};
}

// The first of several problems (all are cheap to find), or nothing.
std::optional<std::string> first(std::initializer_list<std::optional<std::string>> problems) {
  for (const auto& problem : problems) {
    if (problem) return problem;
  }
  return std::nullopt;
}

std::optional<std::string> property_text_problem(std::string_view name,
                                                 std::string_view value_json) {
  if (name.empty()) return std::string("a property has no name");
  if (auto problem = text_problem(kPropertyName, name)) return problem;
  const std::string what = "property '" + std::string(name) + "'";
  if (auto problem = text_problem(kPropertyValue, value_json, what)) return problem;
  if (!nlohmann::json::accept(value_json)) return what + " has a value that is not JSON";
  return std::nullopt;
}

}  // namespace

Expected<Validation, std::string> Validation::compile(const config::InputValidation& patterns) {
  auto branch = Regex::compile(patterns.branch);
  auto revision = Regex::compile(patterns.revision);
  auto name = Regex::compile(patterns.property_name);
  auto value = Regex::compile(patterns.property_value);
  if (!branch) return unexpected("validation.branch: " + branch.error());
  if (!revision) return unexpected("validation.revision: " + revision.error());
  if (!name) return unexpected("validation.property_name: " + name.error());
  if (!value) return unexpected("validation.property_value: " + value.error());
  return Validation(patterns, std::move(*branch), std::move(*revision), std::move(*name),
                    std::move(*value));
}

std::optional<std::string> Validation::branch_problem(std::string_view branch) const {
  return mismatch(branch_, "branch", "branch", branch, patterns_.branch);
}

std::optional<std::string> Validation::revision_problem(std::string_view revision) const {
  return mismatch(revision_, "revision", "revision", revision, patterns_.revision);
}

std::optional<std::string> Validation::property_problem(std::string_view name,
                                                        std::string_view value_json) const {
  if (auto problem =
          mismatch(name_, "property_name", "property name", name, patterns_.property_name)) {
    return problem;
  }
  auto value = nlohmann::json::parse(value_json, nullptr, /*allow_exceptions=*/false);
  const std::string text = value.is_string() ? value.get<std::string>() : std::string(value_json);
  return mismatch(value_, "property_value", "property '" + std::string(name) + "' value", text,
                  patterns_.property_value);
}

Expected<Ok, std::string> check_change_text(const events::ChangeAdded& change) {
  if (change.who().empty()) return unexpected(std::string("a change needs a 'who'"));
  if (auto problem = first(
          {text_problem(kWho, change.who()), text_problem(kBranch, change.branch()),
           text_problem(kRevision, change.revision()), text_problem(kCategory, change.category()),
           text_problem(kProject, change.project()), text_problem(kCodebase, change.codebase()),
           text_problem(kRepository, change.repository()), text_problem(kRevlink, change.revlink()),
           text_problem(kComments, change.comments())})) {
    return refuse(problem);
  }
  if (static_cast<std::size_t>(change.files_size()) > kMaxFiles) {
    return unexpected("a change names " + std::to_string(change.files_size()) + " files; at most " +
                      std::to_string(kMaxFiles) + " are accepted");
  }
  for (const auto& file : change.files()) {
    if (file.empty()) return unexpected(std::string("a change names an empty file path"));
    if (auto problem = text_problem(kFileName, file)) return refuse(problem);
  }
  if (static_cast<std::size_t>(change.properties_size()) > kMaxProperties) {
    return unexpected("a change has " + std::to_string(change.properties_size()) +
                      " properties; at most " + std::to_string(kMaxProperties) + " are accepted");
  }
  for (const auto& property : change.properties()) {
    if (auto problem = property_text_problem(property.name(), property.value_json())) {
      return refuse(problem);
    }
  }
  return Ok{};
}

Expected<Ok, std::string> check_submitted_change(const Validation& validation,
                                                 const events::ChangeAdded& change) {
  if (auto text = check_change_text(change); !text) return text;
  if (auto problem = first({validation.branch_problem(change.branch()),
                            validation.revision_problem(change.revision())})) {
    return refuse(problem);
  }
  for (const auto& property : change.properties()) {
    if (auto problem = validation.property_problem(property.name(), property.value_json())) {
      return refuse(problem);
    }
  }
  return Ok{};
}

Expected<Ok, std::string> check_force_text(const wire::ForceBuild& force) {
  if (auto problem = first(
          {text_problem(kSchedulerName, force.scheduler()), text_problem(kReason, force.reason()),
           text_problem(kBranch, force.branch()), text_problem(kRevision, force.revision()),
           text_problem(kRepository, force.repository()),
           text_problem(kProject, force.project())})) {
    return refuse(problem);
  }
  if (static_cast<std::size_t>(force.builders_size()) > kMaxBuilders) {
    return unexpected("a forced build names " + std::to_string(force.builders_size()) +
                      " builders; at most " + std::to_string(kMaxBuilders) + " are accepted");
  }
  for (const auto& builder : force.builders()) {
    if (auto problem = text_problem(kBuilderName, builder)) return refuse(problem);
  }
  if (force.properties_size() > static_cast<int>(kMaxProperties)) {
    return unexpected("a forced build has " + std::to_string(force.properties_size()) +
                      " properties; at most " + std::to_string(kMaxProperties) + " are accepted");
  }
  for (const auto& [name, value] : force.properties()) {
    if (auto problem = property_text_problem(name, value)) return refuse(problem);
  }
  return Ok{};
}

Expected<Ok, std::string> check_force_request(const Validation& validation,
                                              const wire::ForceBuild& force) {
  if (auto text = check_force_text(force); !text) return text;
  if (auto problem = first({validation.branch_problem(force.branch()),
                            validation.revision_problem(force.revision())})) {
    return refuse(problem);
  }
  for (const auto& [name, value] : force.properties()) {
    if (auto problem = validation.property_problem(name, value)) return refuse(problem);
  }
  return Ok{};
}

Expected<Ok, std::string> check_reason(std::string_view reason) {
  return refuse(text_problem(kReason, reason));
}

}  // namespace eventbot::intake
