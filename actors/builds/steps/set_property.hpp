#pragma once
// set_property: sets one property on the build (source "SetProperty Step"):
//   property (required, interpolated), value (required: any JSON; strings inside it are
//   interpolated). Nothing runs on the slave.
// set_property_from_command: Buildbot's SetPropertyFromCommand, a shell command (the
// shell parameters; command required) and then either
//   property: the command's stdout, stripped of leading and trailing whitespace unless
//             strip is false (stdout kept up to kMaxPropertyOutput bytes; more is FAILURE);
//   extract_fn: a regular expression (RE2's syntax) with named groups ((?P<name>...) or
//             (?<name>...)), searched in each stdout line; every group that matched sets
//             the property of its name (a later line wins). Buildbot's extract_fn is a Python
//             function of (rc, stdout, stderr); this is its declarative stand-in.
// Exactly one of property and extract_fn. Properties are set only when the command
// succeeded (result SUCCESS or WARNINGS). Output that is not UTF-8 has its invalid bytes
// replaced by U+FFFD (common/utf8.hpp) before it becomes a property.
#include <string>
#include <vector>

#include "actors/builds/steps/params.hpp"
#include "actors/builds/steps/step_plan.hpp"
#include "common/regex.hpp"

namespace eventbot::builds {

inline constexpr std::size_t kMaxPropertyOutput = 1024 * 1024;
inline constexpr std::string_view kSourceSetProperty = "SetProperty Step";

// extract_fn's pattern: it must compile and name at least one group.
Expected<Regex, std::string> compile_named_regex(const std::string& pattern);

void prepare_set_property(StepParams& params, const StepContext& context, PreparedStep& step);
void prepare_set_property_from_command(StepParams& params, const StepContext& context,
                                       PreparedStep& step);

}  // namespace eventbot::builds
