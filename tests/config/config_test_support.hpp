#pragma once
// Loading master.yaml text in tests, and its errors as checkconfig prints them.
#include <string>
#include <string_view>
#include <vector>

#include "actors/config/config_loader.hpp"

namespace eventbot::config::testing {

// Every error of `yaml` as "master.yaml:LINE:COL: KEY: MESSAGE"; empty if it loads.
inline std::vector<std::string> errors_of(std::string_view yaml) {
  std::vector<std::string> out;
  auto result = load_config_string(yaml, "master.yaml");
  if (result) return out;
  for (const ConfigError& error : result.error()) out.push_back(format_error(error));
  return out;
}

}  // namespace eventbot::config::testing
