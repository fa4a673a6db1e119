#include "actors/config/lock_uses.hpp"

#include <nlohmann/json.hpp>

namespace eventbot::config {
namespace {

Expected<LockUse, std::string> parse_one(const nlohmann::json& entry) {
  if (entry.is_string()) {
    auto name = entry.get<std::string>();
    if (name.empty()) return unexpected(std::string("a lock name is empty"));
    return LockUse{name, LockAccess::exclusive};
  }
  if (!entry.is_object()) {
    return unexpected("a lock use is a name or {name, access}, got " + entry.dump());
  }
  LockUse use;
  for (const auto& [key, value] : entry.items()) {
    if (key == "name") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return unexpected("a lock's name must be a non-empty string, got " + value.dump());
      }
      use.lock = value.get<std::string>();
    } else if (key == "access") {
      if (value == "exclusive") {
        use.access = LockAccess::exclusive;
      } else if (value == "counting") {
        use.access = LockAccess::counting;
      } else {
        return unexpected("unknown lock access " + value.dump() +
                          "; expected one of: exclusive, counting");
      }
    } else {
      return unexpected("unknown key \"" + key + "\" in a lock use; known keys: name, access");
    }
  }
  if (use.lock.empty()) return unexpected("a lock use needs a name: " + entry.dump());
  return use;
}

}  // namespace

Expected<std::vector<LockUse>, std::string> parse_lock_uses(std::string_view json_text) {
  nlohmann::json json = nlohmann::json::parse(json_text, nullptr, false);
  if (json.is_discarded()) return unexpected("not JSON: " + std::string(json_text));
  std::vector<LockUse> uses;
  if (json.is_null()) return uses;
  if (!json.is_array()) json = nlohmann::json::array({json});
  for (const auto& entry : json) {
    auto use = parse_one(entry);
    if (!use) return unexpected(use.error());
    for (const LockUse& other : uses) {
      if (other.lock == use->lock) {
        return unexpected("lock \"" + use->lock + "\" is listed twice");
      }
    }
    uses.push_back(std::move(*use));
  }
  return uses;
}

Expected<std::vector<LockUse>, std::string> step_lock_uses(const StepConfig& step) {
  auto it = step.params.find("locks");
  if (it == step.params.end()) return std::vector<LockUse>{};
  return parse_lock_uses(it->second);
}

}  // namespace eventbot::config
