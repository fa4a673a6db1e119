#include "gateway/hooks/base_hook.hpp"

#include <cmath>
#include <limits>
#include <map>

#include "gateway/hooks/form_fields.hpp"
#include "gateway/hooks/payload_fields.hpp"

namespace eventbot::gateway::hooks {
namespace {

using nlohmann::json;

HookError bad(std::string message) {
  return HookError{400, std::move(message)};
}

// Seconds since the epoch (a number, or its decimal text) as microseconds.
std::optional<std::int64_t> seconds_to_us(const json& value) {
  double seconds = 0;
  if (value.is_number()) {
    seconds = value.get<double>();
  } else if (value.is_string()) {
    const auto text = value.get<std::string>();
    if (text.empty() || text.size() > 32) return std::nullopt;
    std::size_t used = 0;
    try {
      seconds = std::stod(text, &used);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (used != text.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  // Up to the year 9999.
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 253402300799.0) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(seconds * 1e6));
}

// The manual's fields, from a JSON object (files a list, properties an object) or from
// form fields (files and properties as JSON text).
HookResult change_from(const json& fields) {
  events::ChangeAdded change;
  const std::map<std::string_view, std::string* (events::ChangeAdded::*)()> texts = {
      {"comments", &events::ChangeAdded::mutable_comments},
      {"revision", &events::ChangeAdded::mutable_revision},
      {"branch", &events::ChangeAdded::mutable_branch},
      {"category", &events::ChangeAdded::mutable_category},
      {"revlink", &events::ChangeAdded::mutable_revlink},
      {"repository", &events::ChangeAdded::mutable_repository},
      {"project", &events::ChangeAdded::mutable_project},
      {"codebase", &events::ChangeAdded::mutable_codebase},
  };
  for (const auto& [name, target] : texts) {
    const auto* value = field_at(fields, {name});
    if (!value || value->is_null()) continue;
    if (!value->is_string()) return unexpected(bad(std::string(name) + " must be a string"));
    *(change.*target)() = value->get<std::string>();
  }
  for (std::string_view name : {"author", "who"}) {
    const auto* value = field_at(fields, {name});
    if (!value || value->is_null()) continue;
    if (!value->is_string()) return unexpected(bad(std::string(name) + " must be a string"));
    change.set_who(value->get<std::string>());
    if (!change.who().empty()) break;
  }
  if (change.who().empty()) return unexpected(bad("a change needs its author (or who)"));
  for (std::string_view name : {"when_timestamp", "when"}) {
    const auto* value = field_at(fields, {name});
    if (!value || value->is_null()) continue;
    auto when = seconds_to_us(*value);
    if (!when) {
      return unexpected(bad(std::string(name) + " must be seconds since the epoch"));
    }
    change.set_when_us(*when);
    break;
  }
  if (const auto* files = field_at(fields, {"files"}); files && !files->is_null()) {
    json list = *files;
    if (list.is_string()) {
      list = json::parse(files->get<std::string>(), nullptr, false);
    }
    if (!list.is_array()) return unexpected(bad("files must be a JSON list of file names"));
    for (const auto& file : list) {
      if (!file.is_string()) return unexpected(bad("files must be a JSON list of file names"));
      change.add_files(file.get<std::string>());
    }
  }
  if (const auto* properties = field_at(fields, {"properties"});
      properties && !properties->is_null()) {
    json object = *properties;
    if (object.is_string()) {
      object = json::parse(properties->get<std::string>(), nullptr, false);
    }
    if (!object.is_object()) return unexpected(bad("properties must be a JSON object"));
    for (const auto& [name, value] : object.items()) add_property(change, name, value);
  }
  HookChanges out;
  out.changes.push_back(std::move(change));
  return out;
}

}  // namespace

HookResult parse_base_hook(std::string_view content_type, std::string_view body,
                           std::string_view query) {
  const auto type = media_type(content_type);
  json fields = json::object();
  if (type == "application/json") {
    fields = json::parse(body, nullptr, false);
    if (fields.is_discarded() || !fields.is_object()) {
      return unexpected(bad("the body is not a JSON object"));
    }
  } else if (type.empty() || type == "application/x-www-form-urlencoded") {
    auto form = parse_form(body);
    if (!form) return unexpected(bad(form.error()));
    for (const auto& [name, value] : *form) {
      if (!fields.contains(name)) fields[name] = value;
    }
  } else {
    return unexpected(HookError{415,
                                "the base hook reads a form "
                                "(application/x-www-form-urlencoded) or JSON "
                                "(application/json), not " +
                                    type.substr(0, 100)});
  }
  // As Buildbot's request.args: the query string's fields too (the body's come first).
  auto from_query = parse_form(query);
  if (!from_query) return unexpected(bad(from_query.error()));
  for (const auto& [name, value] : *from_query) {
    if (!fields.contains(name)) fields[name] = value;
  }
  return change_from(fields);
}

}  // namespace eventbot::gateway::hooks
