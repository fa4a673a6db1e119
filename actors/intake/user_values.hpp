#pragma once
// Values users supply: a change sent with `eventbot sendchange`, a forced build, and
// (through the same functions) whatever the web gateway will accept. Each is checked
// before anything is recorded, and refused with a reason naming the field:
//   - text: valid UTF-8 and within its limit (limits.hpp);
//   - branch, revision, property names and values: the master's `validation` patterns
//     (Buildbot's c['validation'], RE2 syntax, matched from the start as re.match),
//     so that what reaches a %(branch)s in a shell command is what the patterns allow.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "actors/config/master_config.hpp"
#include "common/expected.hpp"
#include "common/regex.hpp"
#include "events/events.pb.h"
#include "events/wire.pb.h"

namespace eventbot::intake {

// The master's validation patterns, compiled once per configuration.
class Validation {
 public:
  static Expected<Validation, std::string> compile(const config::InputValidation& patterns);

  // Why the value does not match its pattern ("branch 'x; rm' does not match
  // validation.branch ^[\w.+/~-]*$"), or nothing.
  std::optional<std::string> branch_problem(std::string_view branch) const;
  std::optional<std::string> revision_problem(std::string_view revision) const;
  // The value is JSON text: a string is matched as its characters, any other value as
  // its JSON text (so a list or a map passes only a pattern that allows [ ] { } ").
  std::optional<std::string> property_problem(std::string_view name,
                                              std::string_view value_json) const;

 private:
  Validation(config::InputValidation patterns, Regex branch, Regex revision, Regex name,
             Regex value)
      : patterns_(std::move(patterns)),
        branch_(std::move(branch)),
        revision_(std::move(revision)),
        name_(std::move(name)),
        value_(std::move(value)) {}
  config::InputValidation patterns_;
  Regex branch_, revision_, name_, value_;
};

// A change's text alone (UTF-8, limits, a `who`, no empty file name, named properties
// with JSON values, not too many files or properties): what `eventbot sendchange`
// checks before sending, and the first half of what the master checks.
Expected<Ok, std::string> check_change_text(const events::ChangeAdded& change);

// Everything the master checks before it records a change a user submitted.
Expected<Ok, std::string> check_submitted_change(const Validation& validation,
                                                 const events::ChangeAdded& change);

// A forced build's text alone (UTF-8, limits, properties with JSON values): what
// `eventbot force` checks before sending, and the first half of what the master checks.
Expected<Ok, std::string> check_force_text(const wire::ForceBuild& force);

// Everything the master checks before it forces a build (the port's `eventbot force`,
// the web's form).
Expected<Ok, std::string> check_force_request(const Validation& validation,
                                              const wire::ForceBuild& force);

// A stop or cancel reason.
Expected<Ok, std::string> check_reason(std::string_view reason);

}  // namespace eventbot::intake
