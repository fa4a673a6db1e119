#pragma once
// Reading the fields of a JSON payload that a hook's sender shapes: nothing throws, a
// field that is missing, null or of another type reads as absent. Pure: no I/O.
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/events.pb.h"

namespace eventbot::gateway::hooks {

// The value at the path of object keys, or null if any step is missing.
inline const nlohmann::json* field_at(const nlohmann::json& root,
                                      std::initializer_list<std::string_view> path) {
  const nlohmann::json* at = &root;
  for (auto key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

// The string at the path; nothing if missing or not a string.
inline std::optional<std::string> string_at(const nlohmann::json& root,
                                            std::initializer_list<std::string_view> path) {
  const auto* value = field_at(root, path);
  if (!value || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

// The string at the path, or "" when it is missing, null or not a string.
inline std::string text_at(const nlohmann::json& root,
                           std::initializer_list<std::string_view> path) {
  return string_at(root, path).value_or(std::string());
}

// The strings of the array at the path (other elements skipped).
inline std::vector<std::string> strings_at(const nlohmann::json& root,
                                           std::initializer_list<std::string_view> path) {
  std::vector<std::string> out;
  const auto* value = field_at(root, path);
  if (!value || !value->is_array()) return out;
  for (const auto& element : *value) {
    if (element.is_string()) out.push_back(element.get<std::string>());
  }
  return out;
}

// A property whose value is `value` as JSON text.
inline void add_property(events::ChangeAdded& change, std::string name,
                         const nlohmann::json& value) {
  auto* property = change.add_properties();
  property->set_name(std::move(name));
  property->set_value_json(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// "Name <mail>", or whichever of the two is there.
inline std::string person(const std::string& name, const std::string& mail) {
  if (mail.empty()) return name;
  if (name.empty()) return "<" + mail + ">";
  return name + " <" + mail + ">";
}

// The branch a ref names ("refs/heads/main" -> "main", "refs/tags/v1" -> "v1").
inline std::string branch_of_ref(std::string_view ref) {
  for (std::string_view prefix : {"refs/heads/", "refs/tags/"}) {
    if (ref.starts_with(prefix)) return std::string(ref.substr(prefix.size()));
  }
  return std::string(ref);
}

}  // namespace eventbot::gateway::hooks
