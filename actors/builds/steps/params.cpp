#include "actors/builds/steps/params.hpp"

#include <cmath>

#include "actors/config/read/suggestions.hpp"

namespace eventbot::builds {
namespace {

std::string kind_of(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::array:
      return "a list";
    case nlohmann::json::value_t::object:
      return "a map";
    default:
      return "a number";
  }
}

// Buildbot's own spellings, accepted for the snake_case names (docs/CONFIGURATION.md).
const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> kAliases = {
      {"haltOnFailure", "halt_on_failure"},
      {"flunkOnFailure", "flunk_on_failure"},
      {"warnOnFailure", "warn_on_failure"},
      {"flunkOnWarnings", "flunk_on_warnings"},
      {"warnOnWarnings", "warn_on_warnings"},
      {"alwaysRun", "always_run"},
      {"doStepIf", "do_step_if"},
      {"hideStepIf", "hide_step_if"},
      {"descriptionDone", "description_done"},
      {"lazylogfiles", "lazy_logfiles"},
      {"usePTY", "use_pty"},
      {"maxTime", "max_time"},
      {"decodeRC", "decode_rc"},
      {"interruptSignal", "interrupt_signal"},
      {"sigtermTime", "sigterm_time"},
      {"logEnviron", "log_environ"},
      {"warningPattern", "warning_pattern"},
      {"maxWarnCount", "max_warn_count"},
      {"directoryEnterPattern", "directory_enter_pattern"},
      {"directoryLeavePattern", "directory_leave_pattern"},
      {"alwaysUseLatest", "always_use_latest"},
      {"waitForFinish", "wait_for_finish"},
      {"updateSourceStamp", "update_sourcestamp"},
      {"schedulerNames", "schedulers"},
  };
  return kAliases;
}

}  // namespace

StepParams::StepParams(const config::StepConfig& step, const Properties* properties)
    : step_(step), properties_(properties) {
  for (const auto& [given, text] : step.params) {
    auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) parsed = text;  // not JSON: the text itself
    std::string key = given;
    if (auto alias = aliases().find(given); alias != aliases().end()) {
      key = alias->second;
      if (step.params.count(key)) {
        error(key, "is given twice, also as " + given);
        continue;
      }
    }
    values_[key] = std::move(parsed);
  }
}

const nlohmann::json* StepParams::json(const std::string& key) {
  asked_.insert(key);
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

void StepParams::error(const std::string& key, const std::string& message) {
  std::string text = "step \"" + step_.name + "\" (" + step_.type + "): ";
  if (!key.empty()) text += key + ": ";
  errors_.push_back(text + message);
}

void StepParams::require(const std::string& key) {
  asked_.insert(key);
  if (!has(key)) error(key, "is required");
}

std::optional<bool> StepParams::boolean(const std::string& key) {
  const auto* value = json(key);
  if (!value) return std::nullopt;
  if (!value->is_boolean()) {
    error(key, "must be true or false, not " + kind_of(*value));
    return std::nullopt;
  }
  return value->get<bool>();
}

std::optional<std::int64_t> StepParams::integer(const std::string& key, std::int64_t min,
                                                std::int64_t max) {
  const auto* value = json(key);
  if (!value) return std::nullopt;
  std::optional<std::int64_t> number;
  if (value->is_number_integer() || value->is_number_unsigned()) {
    number = value->get<std::int64_t>();
  } else if (value->is_number_float() && std::floor(value->get<double>()) == value->get<double>()) {
    number = static_cast<std::int64_t>(value->get<double>());
  }
  if (!number) {
    error(key, "must be a whole number, not " + kind_of(*value));
    return std::nullopt;
  }
  if (*number < min || *number > max) {
    error(key, std::to_string(*number) + " is out of range [" + std::to_string(min) + ", " +
                   (max == INT64_MAX ? std::string("...") : std::to_string(max)) + "]");
    return std::nullopt;
  }
  return number;
}

std::string StepParams::render(const std::string& key, const std::string& text) {
  if (!properties_) {
    if (auto problem = check_interpolation(text)) error(key, problem->message);
    return text;
  }
  auto rendered = interpolate(text, *properties_);
  if (!rendered) {
    error(key, rendered.error().message);
    return text;
  }
  return *rendered;
}

nlohmann::json StepParams::render_json(const std::string& key, const nlohmann::json& value) {
  if (value.is_string()) return render(key, value.get<std::string>());
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& element : value) out.push_back(render_json(key, element));
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, element] : value.items()) out[k] = render_json(key, element);
    return out;
  }
  return value;
}

std::optional<std::string> StepParams::raw_string(const std::string& key) {
  const auto* value = json(key);
  if (!value) return std::nullopt;
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number() || value->is_boolean()) return render_value(*value);
  error(key, "must be a string, not " + kind_of(*value));
  return std::nullopt;
}

std::optional<std::string> StepParams::string(const std::string& key) {
  auto text = raw_string(key);
  if (!text) return std::nullopt;
  return render(key, *text);
}

std::optional<std::vector<std::string>> StepParams::raw_string_list(const std::string& key) {
  const auto* value = json(key);
  if (!value) return std::nullopt;
  if (value->is_string()) return std::vector<std::string>{value->get<std::string>()};
  if (!value->is_array()) {
    error(key, "must be a list of strings, not " + kind_of(*value));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& element : *value) {
    if (element.is_string()) {
      out.push_back(element.get<std::string>());
    } else if (element.is_number() || element.is_boolean()) {
      out.push_back(render_value(element));
    } else {
      error(key, "must be a list of strings; one element is " + kind_of(element));
      return std::nullopt;
    }
  }
  return out;
}

std::optional<std::vector<std::string>> StepParams::string_list(const std::string& key) {
  auto list = raw_string_list(key);
  if (!list) return std::nullopt;
  for (auto& element : *list) element = render(key, element);
  return list;
}

std::optional<CommandLine> StepParams::command(const std::string& key) {
  const auto* value = json(key);
  if (!value) return std::nullopt;
  CommandLine out;
  if (value->is_string()) {
    out.shell = render(key, value->get<std::string>());
    if (value->get<std::string>().find_first_not_of(" \t\n") == std::string::npos) {
      error(key, "is empty");
      return std::nullopt;
    }
    return out;
  }
  auto list = string_list(key);
  if (!list) return std::nullopt;
  if (list->empty()) {
    error(key, "is an empty list");
    return std::nullopt;
  }
  out.argv = std::move(*list);
  return out;
}

std::optional<std::vector<wire::EnvEntry>> StepParams::env(const std::string& key) {
  const auto* value = json(key);
  if (!value) return std::nullopt;
  if (!value->is_object()) {
    error(key, "must be a map of variable names to values, not " + kind_of(*value));
    return std::nullopt;
  }
  std::vector<wire::EnvEntry> out;
  for (const auto& [name, element] : value->items()) {
    wire::EnvEntry entry;
    entry.set_name(render(key, name));
    if (element.is_null()) {
      entry.set_unset(true);
    } else if (element.is_array()) {
      entry.set_is_list(true);
      for (const auto& part : element) {
        if (!part.is_string()) {
          error(key + "." + name, "a list value holds strings only");
          continue;
        }
        entry.add_values(render(key, part.get<std::string>()));
      }
    } else if (element.is_string() || element.is_number() || element.is_boolean()) {
      entry.add_values(render(key, render_value(element)));
    } else {
      error(key + "." + name, "must be a string, a list of strings or null");
      continue;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::optional<std::map<std::string, std::string>> StepParams::string_map(const std::string& key) {
  const auto* value = json(key);
  if (!value) return std::nullopt;
  if (!value->is_object()) {
    error(key, "must be a map, not " + kind_of(*value));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, element] : value->items()) {
    if (!element.is_string() && !element.is_number() && !element.is_boolean()) {
      error(key + "." + name, "must be a string, not " + kind_of(element));
      continue;
    }
    out[name] = render(key, render_value(element));
  }
  return out;
}

std::optional<std::uint32_t> StepParams::mode(const std::string& key) {
  const auto* value = json(key);
  if (!value || value->is_null()) return std::nullopt;
  std::string digits;
  if (value->is_string()) {
    digits = value->get<std::string>();
  } else if (value->is_number_integer() || value->is_number_unsigned()) {
    digits = std::to_string(value->get<std::int64_t>());
  } else {
    error(key, "must be an octal mode such as \"0755\", not " + kind_of(*value));
    return std::nullopt;
  }
  if (digits.size() > 1 && digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'O')) {
    digits = digits.substr(2);
  }
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("01234567") != std::string::npos) {
    error(key, "\"" + digits + "\" is not an octal mode such as \"0755\"");
    return std::nullopt;
  }
  const auto mode = static_cast<std::uint32_t>(std::stoul(digits, nullptr, 8));
  if (mode > 07777) {
    error(key, "\"" + digits + "\" is larger than 07777");
    return std::nullopt;
  }
  return mode;
}

void StepParams::reject_unknown(const std::set<std::string>& also_known) {
  for (const auto& [key, value] : values_) {
    if (asked_.count(key) || also_known.count(key)) continue;
    std::set<std::string> all = asked_;
    all.insert(also_known.begin(), also_known.end());
    // One likely parameter, as for a key of master.yaml; not the 25 a shell step takes.
    error(key, "is not a parameter of " + step_.type + " steps" +
                   config::detail::unknown_word_hint(
                       key, std::vector<std::string>(all.begin(), all.end()), "they take"));
  }
}

}  // namespace eventbot::builds
