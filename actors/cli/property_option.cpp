#include "actors/cli/property_option.hpp"

#include <nlohmann/json.hpp>

#include "actors/intake/text.hpp"

namespace eventbot::cli {

Expected<std::pair<std::string, std::string>, std::string> parse_property_option(
    const std::string& option) {
  auto at = option.find(':');
  if (at == std::string::npos || at == 0) {
    return unexpected("--property takes NAME:VALUE, got '" +
                      intake::bounded_text({"", 80}, option) + "'");
  }
  std::string name = option.substr(0, at);
  std::string value = option.substr(at + 1);
  if (auto problem = intake::text_problem(intake::kPropertyName, name, "--property's name")) {
    return unexpected(*problem);
  }
  // Checked before it becomes JSON: nlohmann refuses to write text that is not UTF-8.
  if (auto problem =
          intake::text_problem(intake::kPropertyValue, value, "the value of --property " + name)) {
    return unexpected(*problem);
  }
  return std::pair{std::move(name), nlohmann::json(value).dump()};
}

}  // namespace eventbot::cli
