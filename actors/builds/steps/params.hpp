#pragma once
// Reading a step's parameters (StepConfig.params: JSON text per key) with errors that name
// the parameter. With properties, string values are interpolated (`interpolate`); without
// (config validation) only their syntax is checked. Either way the same code reads a step,
// so checkconfig and a running build agree on what a step means.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/builds/properties.hpp"
#include "actors/config/master_config.hpp"
#include "events/wire.pb.h"

namespace eventbot::builds {

struct CommandLine {
  std::vector<std::string> argv;  // a list in the config ...
  std::string shell;              // ... or one string for /bin/sh -c
};

class StepParams {
 public:
  // `properties` null: validation only.
  StepParams(const config::StepConfig& step, const Properties* properties);

  bool validating() const { return properties_ == nullptr; }
  const Properties* properties() const { return properties_; }
  const config::StepConfig& step() const { return step_; }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  // The raw value; marks the key as known. nullptr when absent.
  const nlohmann::json* json(const std::string& key);

  std::optional<bool> boolean(const std::string& key);
  // A whole number in [min, max].
  std::optional<std::int64_t> integer(const std::string& key, std::int64_t min = 0,
                                      std::int64_t max = INT64_MAX);
  // Interpolated text; a number or boolean is rendered as text.
  std::optional<std::string> string(const std::string& key);
  // Text taken as it is (regexes, descriptions).
  std::optional<std::string> raw_string(const std::string& key);
  // A list of strings, or one string as a one-element list; interpolated.
  std::optional<std::vector<std::string>> string_list(const std::string& key);
  std::optional<std::vector<std::string>> raw_string_list(const std::string& key);
  // A list (argv) or a string (shell); interpolated; an empty command is an error.
  std::optional<CommandLine> command(const std::string& key);
  // name -> string (interpolated), list of strings (joined with ':' on the slave) or null
  // (unset the variable).
  std::optional<std::vector<wire::EnvEntry>> env(const std::string& key);
  std::optional<std::map<std::string, std::string>> string_map(const std::string& key);
  // A file mode: an octal string ("0755", "755") or a number (read as octal digits when
  // written as 755, since YAML has no octal literal Buildbot users would recognise).
  std::optional<std::uint32_t> mode(const std::string& key);

  // Interpolates `text` (what `string` does), reporting errors under `key`.
  std::string render(const std::string& key, const std::string& text);
  // Interpolates every string inside a JSON value.
  nlohmann::json render_json(const std::string& key, const nlohmann::json& value);

  void error(const std::string& key, const std::string& message);
  void require(const std::string& key);
  // Reports every parameter that was never asked for, naming the known ones.
  void reject_unknown(const std::set<std::string>& also_known = {});

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  const config::StepConfig& step_;
  const Properties* properties_;
  std::map<std::string, nlohmann::json> values_;
  std::set<std::string> asked_;
  std::vector<std::string> errors_;
};

}  // namespace eventbot::builds
