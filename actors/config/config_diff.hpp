#pragma once
// What a reconfig changes: for each kind of named part, which names the new
// configuration adds, removes, changes or keeps as they were (compared by value). A
// reconfig restarts only what was added or changed, and stops what was removed.
#include <string>
#include <vector>

#include "actors/config/master_config.hpp"

namespace eventbot::config {

struct NamedChanges {
  // Names in the new file's order; `removed` in the old file's order.
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;
  std::vector<std::string> unchanged;

  bool any() const { return !added.empty() || !removed.empty() || !changed.empty(); }
  bool operator==(const NamedChanges&) const = default;
};

struct ConfigDiff {
  NamedChanges slaves;
  NamedChanges change_sources;
  NamedChanges schedulers;
  NamedChanges builders;
  NamedChanges status_targets;
  // Anything outside those lists: title, master, web, properties, horizons, logs, validation.
  bool settings_changed = false;
};

ConfigDiff diff_configs(const MasterConfig& old_config, const MasterConfig& new_config);

}  // namespace eventbot::config
