#include "replay/recorded_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "actors/config/config_loader.hpp"
#include "events/streams.hpp"

namespace eventbot::replay {
namespace {

constexpr char kRedacted[] = "<redacted>";

bool names_a_hash(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key.find("hash") != std::string::npos;
}

// Puts a dummy credential where a hash was redacted; tells whether it changed anything.
bool restore_redacted(YAML::Node node) {
  bool changed = false;
  if (node.IsMap()) {
    for (auto entry : node) {
      if (entry.second.IsScalar() && entry.second.Scalar() == kRedacted && entry.first.IsScalar() &&
          names_a_hash(entry.first.Scalar())) {
        entry.second = "sha256:" + std::string(64, '0');
        changed = true;
      } else {
        changed = restore_redacted(entry.second) || changed;
      }
    }
  } else if (node.IsSequence()) {
    for (auto item : node) changed = restore_redacted(item) || changed;
  }
  return changed;
}

std::string loadable_text(const std::string& content) {
  try {
    YAML::Node root = YAML::Load(content);
    if (!restore_redacted(root)) return content;
    YAML::Emitter out;
    out << root;
    return out.c_str();
  } catch (const YAML::Exception&) {
    return content;  // the loader reports it
  }
}

}  // namespace

Expected<config::MasterConfig, std::string> load_recorded_config(const RecordedConfig& recorded) {
  const std::string display =
      recorded.loaded.path().empty() ? std::string("master.yaml") : recorded.loaded.path();
  auto loaded = config::load_config_string(loadable_text(recorded.loaded.content()), display);
  if (!loaded) {
    std::string message;
    const auto& errors = loaded.error();
    for (std::size_t i = 0; i < errors.size() && i < 3; ++i) {
      if (i > 0) message += "; ";
      message += config::format_error(errors[i]);
    }
    if (errors.size() > 3) message += "; and " + std::to_string(errors.size() - 3) + " more";
    return unexpected(std::move(message));
  }
  config::MasterConfig config = std::move(loaded.value());
  // Whether the file named its master id is not kept; the recording envelope's is the
  // master's own, so it wins when there is one.
  if (!recorded.master_id.empty()) config.master_id = recorded.master_id;
  return config;
}

// The last ConfigLoaded of the `config` stream at or before `sequence`.
store::StoreResult<std::optional<RecordedConfig>> recorded_config_at(store::EventLog& log,
                                                                     std::uint64_t sequence) {
  auto events = log.read_stream(streams::config(), StreamVersion(1), ~std::size_t{0});
  if (!events) return unexpected(events.error());
  std::optional<RecordedConfig> found;
  for (const auto& event : *events) {
    if (event.sequence() > sequence) break;
    if (!event.has_config_loaded()) continue;
    RecordedConfig recorded;
    recorded.sequence = event.sequence();
    recorded.time_us = event.time_us();
    recorded.master_id = event.master_id();
    recorded.loaded = event.config_loaded();
    found = std::move(recorded);
  }
  return found;
}

}  // namespace eventbot::replay
