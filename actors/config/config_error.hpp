#pragma once
// One problem found in master.yaml, with where it is: what checkconfig prints and what a
// reconfig that keeps the running configuration reports.
#include <string>

namespace eventbot::config {

struct ConfigError {
  std::string file;      // as the caller named it ("master.yaml", "/srv/m/master.yaml")
  int line = 0;          // 1-based; 0 when the error is about the whole file
  int column = 0;        // 1-based
  std::string key_path;  // "schedulers[1].builders[0]"; empty for the document itself
  std::string message;   // never contains a password

  bool operator==(const ConfigError&) const = default;
};

// "master.yaml:12:5: schedulers[1].builders[0]: no builder named "runtest" (did you
// mean "runtests"?)"; the position and key path are left out when unknown.
std::string format_error(const ConfigError& error);

}  // namespace eventbot::config
