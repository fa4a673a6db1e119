#pragma once
// The fields of an application/x-www-form-urlencoded body or a query string
// ("a=1&b=x+y"), percent-decoded, in order; a name may repeat. Pure: no I/O.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expected.hpp"

namespace eventbot::gateway::hooks {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// The error names what is malformed (bad percent-encoding, too many fields).
Expected<FormFields, std::string> parse_form(std::string_view text);

// The first value of `name`, as Buildbot's hooks take it; nothing if absent.
std::optional<std::string> first_value(const FormFields& fields, std::string_view name);

// The media type of a Content-Type header, lower case, without parameters
// ("Application/JSON; charset=utf-8" -> "application/json").
std::string media_type(std::string_view content_type);

}  // namespace eventbot::gateway::hooks
