#pragma once
// `--property NAME:VALUE`, as sendchange and force take it: the name, and the value as
// the JSON string it becomes. Refused (with the reason) when there is no name, or when
// the name or the value is not UTF-8 or is too long (actors/intake/limits.hpp).
#include <string>
#include <utility>

#include "common/expected.hpp"

namespace eventbot::cli {

// name -> JSON text of the value.
Expected<std::pair<std::string, std::string>, std::string> parse_property_option(
    const std::string& option);

}  // namespace eventbot::cli
