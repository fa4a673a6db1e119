#include "actors/builds/steps/step_types.hpp"

#include <set>

#include "actors/builds/steps/compile.hpp"
#include "actors/builds/steps/directories.hpp"
#include "actors/builds/steps/git.hpp"
#include "actors/builds/steps/master_shell.hpp"
#include "actors/builds/steps/set_property.hpp"
#include "actors/builds/steps/shell.hpp"
#include "actors/builds/steps/test_step.hpp"
#include "actors/builds/steps/transfer.hpp"
#include "actors/builds/steps/trigger.hpp"

namespace eventbot::builds {
namespace {

using Prepare = void (*)(StepParams&, const StepContext&, PreparedStep&);

struct StepType {
  const char* name;
  Prepare prepare;
  ResultFlags flags;
};

ResultFlags halting() {
  ResultFlags flags;
  flags.halt_on_failure = true;
  return flags;
}

ResultFlags warning() {
  ResultFlags flags;
  flags.warn_on_failure = true;
  return flags;
}

const std::vector<StepType>& types() {
  static const std::vector<StepType> kTypes = {
      {"shell", prepare_shell, ResultFlags{}},
      {"configure", prepare_configure, halting()},
      {"compile", prepare_compile, halting()},
      {"test", prepare_test, warning()},
      {"set_property", prepare_set_property, ResultFlags{}},
      {"set_property_from_command", prepare_set_property_from_command, ResultFlags{}},
      {"git", prepare_git, halting()},
      {"file_upload", prepare_file_upload, ResultFlags{}},
      {"file_download", prepare_file_download, ResultFlags{}},
      {"directory_upload", prepare_directory_upload, ResultFlags{}},
      {"string_download", prepare_string_download, ResultFlags{}},
      {"remove_directory", prepare_remove_directory, ResultFlags{}},
      {"make_directory", prepare_make_directory, ResultFlags{}},
      {"master_shell_command", prepare_master_shell_command, ResultFlags{}},
      {"trigger", prepare_trigger, ResultFlags{}},
  };
  return kTypes;
}

const StepType* find_type(const std::string& name) {
  for (const auto& type : types()) {
    if (name == type.name) return &type;
  }
  return nullptr;
}

Condition read_condition(StepParams& params, const std::string& key, bool default_value,
                         bool allow_result) {
  const auto* value = params.json(key);
  if (!value || value->is_null()) return Condition::constant(default_value);
  if (value->is_boolean()) return Condition::constant(value->get<bool>());
  if (!value->is_string()) {
    params.error(key, "must be true, false or a condition such as \"prop:branch == 'main'\"");
    return Condition::constant(default_value);
  }
  auto parsed = Condition::parse(value->get<std::string>(), allow_result);
  if (!parsed) {
    params.error(key, parsed.error());
    return Condition::constant(default_value);
  }
  return *parsed;
}

CommonOptions read_common(StepParams& params, const ResultFlags& defaults) {
  CommonOptions common;
  common.flags = defaults;
  ResultFlags& f = common.flags;
  f.halt_on_failure = params.boolean("halt_on_failure").value_or(f.halt_on_failure);
  f.flunk_on_failure = params.boolean("flunk_on_failure").value_or(f.flunk_on_failure);
  f.warn_on_failure = params.boolean("warn_on_failure").value_or(f.warn_on_failure);
  f.flunk_on_warnings = params.boolean("flunk_on_warnings").value_or(f.flunk_on_warnings);
  f.warn_on_warnings = params.boolean("warn_on_warnings").value_or(f.warn_on_warnings);
  common.always_run = params.boolean("always_run").value_or(false);
  params.json("locks");  // the builder's shell takes a step's locks (checked at load time)
  common.do_step_if = read_condition(params, "do_step_if", true, false);
  common.hide_step_if = read_condition(params, "hide_step_if", false, true);
  common.description = params.raw_string_list("description").value_or(std::vector<std::string>{});
  common.description_done = params.raw_string_list("description_done").value_or(common.description);
  return common;
}

Expected<PreparedStep, std::vector<std::string>> prepare(const config::StepConfig& step,
                                                         const Properties* properties,
                                                         const StepContext& context) {
  StepParams params(step, properties);
  const StepType* type = find_type(step.type);
  if (!type) {
    std::string known;
    for (const auto& t : types()) known += (known.empty() ? "" : ", ") + std::string(t.name);
    params.error("", "unknown step type \"" + step.type + "\" (known: " + known + ")");
    return unexpected(params.errors());
  }
  PreparedStep prepared;
  prepared.common = read_common(params, type->flags);
  prepared.interpreter = std::make_unique<StepInterpreter>();
  type->prepare(params, context, prepared);
  params.reject_unknown();
  if (!params.errors().empty()) return unexpected(params.errors());
  if (prepared.common.description.empty()) prepared.common.description = {step.name};
  if (prepared.common.description_done.empty()) {
    prepared.common.description_done = prepared.common.description;
  }
  prepared.interpreter->description_done = prepared.common.description_done;
  return prepared;
}

}  // namespace

std::vector<std::string> step_types() {
  std::vector<std::string> out;
  for (const auto& type : types()) out.emplace_back(type.name);
  return out;
}

std::vector<std::string> validate_step(const config::StepConfig& step) {
  auto prepared = prepare(step, nullptr, StepContext{});
  if (prepared) return {};
  return prepared.error();
}

Expected<PreparedStep, std::vector<std::string>> prepare_step(const config::StepConfig& step,
                                                              const Properties& properties,
                                                              const StepContext& context) {
  return prepare(step, &properties, context);
}

CommonOptions common_options(const config::StepConfig& step) {
  StepParams params(step, nullptr);
  const StepType* type = find_type(step.type);
  return read_common(params, type ? type->flags : ResultFlags{});
}

}  // namespace eventbot::builds
