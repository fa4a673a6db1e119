// status: the status targets (MailNotifier, IRC, HttpStatusPush, ...). Only the type
// and name are read here; each target's own issue types its parameters.
#include "actors/config/read/sections.hpp"

namespace eventbot::config::detail {
namespace {

const std::vector<std::string> kStatusTypes = {"mail",          "irc",           "http_push",
                                               "github_status", "gitlab_status", "gerrit_status"};

std::optional<StatusTargetConfig> read_status_target(const Value& element, NameTable& names) {
  auto reader = read_map_element(element, KeyRules::any());
  if (!reader) return std::nullopt;
  StatusTargetConfig target;
  auto type = reader->required("type").choice(kStatusTypes, "status target type");
  if (!type) return std::nullopt;
  target.type = *type;
  Value name = reader->get("name");
  auto text = name.non_empty_string();
  target.name = text ? *text : target.type;
  names.define(NameKind::status_target, target.name, name.present() ? name : element);
  for (const auto& entry : reader->entries()) {
    if (entry.key == "type" || entry.key == "name") continue;
    if (auto json = entry.value.json_text()) target.params[entry.key] = *json;
  }
  return target;
}

}  // namespace

std::vector<StatusTargetConfig> read_status_targets(const Value& list, NameTable& names) {
  std::vector<StatusTargetConfig> targets;
  for (const Value& element : list.elements()) {
    if (auto target = read_status_target(element, names)) targets.push_back(std::move(*target));
  }
  return targets;
}

}  // namespace eventbot::config::detail
