#include "actors/config/config_diff.hpp"

#include <algorithm>

namespace eventbot::config {
namespace {

template <class T>
NamedChanges diff_named(const std::vector<T>& old_items, const std::vector<T>& new_items) {
  NamedChanges changes;
  auto find = [](const std::vector<T>& items, const std::string& name) {
    return std::find_if(items.begin(), items.end(),
                        [&](const T& item) { return item.name == name; });
  };
  for (const T& item : new_items) {
    auto old_item = find(old_items, item.name);
    if (old_item == old_items.end()) {
      changes.added.push_back(item.name);
    } else if (*old_item == item) {
      changes.unchanged.push_back(item.name);
    } else {
      changes.changed.push_back(item.name);
    }
  }
  for (const T& item : old_items) {
    if (find(new_items, item.name) == new_items.end()) changes.removed.push_back(item.name);
  }
  return changes;
}

// The configuration without its named lists.
MasterConfig settings_of(const MasterConfig& config) {
  MasterConfig settings = config;
  settings.slaves.clear();
  settings.change_sources.clear();
  settings.schedulers.clear();
  settings.builders.clear();
  settings.status.clear();
  return settings;
}

}  // namespace

ConfigDiff diff_configs(const MasterConfig& old_config, const MasterConfig& new_config) {
  ConfigDiff diff;
  diff.slaves = diff_named(old_config.slaves, new_config.slaves);
  diff.change_sources = diff_named(old_config.change_sources, new_config.change_sources);
  diff.schedulers = diff_named(old_config.schedulers, new_config.schedulers);
  diff.builders = diff_named(old_config.builders, new_config.builders);
  diff.status_targets = diff_named(old_config.status, new_config.status);
  diff.settings_changed = !(settings_of(old_config) == settings_of(new_config));
  return diff;
}

}  // namespace eventbot::config
