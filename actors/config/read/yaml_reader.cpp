#include "actors/config/read/yaml_reader.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "actors/config/read/suggestions.hpp"
#include "actors/config/read/value_formats.hpp"

namespace eventbot::config::detail {
namespace {

std::string in_quotes(std::string_view text) {
  constexpr std::size_t kLongest = 40;  // a whole script in a message helps nobody
  if (text.size() > kLongest) return "\"" + std::string(text.substr(0, kLongest)) + "...\"";
  return "\"" + std::string(text) + "\"";
}

std::string lowered(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string at_least(std::int64_t min, std::string_view unit, std::int64_t got) {
  std::string text = "must be at least " + std::to_string(min);
  if (!unit.empty()) text += " " + std::string(unit) + (min == 1 ? "" : "s");
  return text + ", got " + std::to_string(got);
}

}  // namespace

void ErrorList::add(const YAML::Mark& mark, const std::string& key_path, std::string message) {
  ConfigError error;
  error.file = file_;
  if (mark.line >= 0) {
    error.line = mark.line + 1;
    error.column = mark.column + 1;
  }
  error.key_path = key_path;
  error.message = std::move(message);
  errors_.push_back(std::move(error));
}

std::vector<ConfigError> ErrorList::sorted() const {
  std::vector<ConfigError> out;
  std::set<std::tuple<int, int, std::string, std::string>> seen;
  for (const auto& error : errors_) {
    if (seen.emplace(error.line, error.column, error.key_path, error.message).second) {
      out.push_back(error);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return out;
}

std::string child_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string json_string(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return in_quotes(node.Scalar());
    default:
      return "nothing";
  }
}

Value::Value(ReadContext& context, YAML::Node node, std::string path, YAML::Mark mark)
    : context_(&context), node_(std::move(node)), path_(std::move(path)), mark_(mark) {}

void Value::error(std::string message) const {
  context_->errors.add(mark(), path_, std::move(message));
}

std::optional<std::string> Value::scalar(std::string_view expected) const {
  if (!present()) return std::nullopt;
  if (!node_.IsScalar()) {
    error("expected " + std::string(expected) + ", got " + describe(node_));
    return std::nullopt;
  }
  if (context_->axes == nullptr) return node_.Scalar();
  auto text = interpolate(node_.Scalar(), *context_->axes);
  if (!text) {
    std::vector<std::string> axes;
    for (const auto& [name, value] : *context_->axes) axes.push_back(name);
    error("\"{" + text.error() + "}\" is not a matrix axis" + did_you_mean(text.error(), axes));
    return std::nullopt;
  }
  return std::move(text).value();
}

std::optional<std::string> Value::string() const {
  return scalar("a string");
}

std::optional<std::string> Value::non_empty_string() const {
  auto text = string();
  if (text && text->empty()) {
    error("must not be empty");
    return std::nullopt;
  }
  return text;
}

std::optional<bool> Value::boolean() const {
  auto text = scalar("true or false");
  if (!text) return std::nullopt;
  const std::string word = lowered(*text);
  if (word == "true" || word == "yes" || word == "on") return true;
  if (word == "false" || word == "no" || word == "off") return false;
  error("expected true or false, got " + in_quotes(*text));
  return std::nullopt;
}

std::optional<std::int64_t> Value::integer(std::int64_t min, std::int64_t max) const {
  auto text = scalar("an integer");
  if (!text) return std::nullopt;
  std::int64_t number = 0;
  auto [end, problem] = std::from_chars(text->data(), text->data() + text->size(), number);
  if (problem != std::errc() || end != text->data() + text->size()) {
    error("expected an integer, got " + in_quotes(*text));
    return std::nullopt;
  }
  if (number < min || number > max) {
    if (max == std::numeric_limits<std::int64_t>::max()) {
      error(at_least(min, "", number));
    } else {
      error("must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
            std::to_string(number));
    }
    return std::nullopt;
  }
  return number;
}

std::optional<std::int64_t> Value::duration(std::int64_t min) const {
  auto text = scalar("a duration");
  if (!text) return std::nullopt;
  auto seconds = parse_duration(*text);
  if (!seconds) {
    error("expected a duration (seconds, or \"30s\", \"5m\", \"2h\", \"1d\"), got " +
          in_quotes(*text));
    return std::nullopt;
  }
  if (*seconds < min) {
    error(at_least(min, "second", *seconds));
    return std::nullopt;
  }
  return seconds;
}

std::optional<std::int64_t> Value::byte_size() const {
  auto text = scalar("a size");
  if (!text) return std::nullopt;
  auto bytes = parse_byte_size(*text);
  if (!bytes) {
    error("expected a size (bytes, or \"64KiB\", \"10MiB\", \"1GiB\"), got " + in_quotes(*text));
  }
  return bytes;
}

std::optional<std::string> Value::choice(const std::vector<std::string>& choices,
                                         std::string_view what) const {
  auto text = string();
  if (!text) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return text;
  const std::string hint = unknown_word_hint(*text, choices, "expected one of");
  error("unknown " + std::string(what) + " " + in_quotes(*text) + hint);
  return std::nullopt;
}

std::optional<std::vector<std::string>> Value::string_list(bool unique) const {
  if (!present()) return std::nullopt;
  if (node_.IsMap()) {
    error("expected a list of strings, got a map");
    return std::nullopt;
  }
  if (node_.IsScalar()) {
    auto text = string();
    if (!text) return std::nullopt;
    return std::vector<std::string>{*text};
  }
  std::vector<std::string> out;
  std::set<std::string> seen;  // a long list must not take quadratic time
  for (const Value& element : elements()) {
    auto text = element.string();
    if (!text) {
      if (!element.present()) element.error("expected a string, got nothing");
      continue;
    }
    if (unique && !seen.insert(*text).second) {
      element.error(in_quotes(*text) + " is listed twice");
      continue;
    }
    out.push_back(*text);
  }
  return out;
}

std::optional<std::map<std::string, std::string>> Value::string_map() const {
  if (!present()) return std::nullopt;
  MapReader reader(*this, KeyRules::any());
  if (!reader.is_map()) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& entry : reader.entries()) {
    if (!entry.value.present()) {
      out[entry.key] = "";  // "FOO:" sets FOO to the empty string
    } else if (auto text = entry.value.string()) {
      out[entry.key] = *text;
    }
  }
  return out;
}

std::optional<std::string> Value::json_text() const {
  if (!present()) return node_.IsNull() ? std::optional<std::string>("null") : std::nullopt;
  if (node_.IsScalar()) {
    auto text = scalar("a value");
    if (!text) return std::nullopt;
    // Quoted scalars ("3", 'true') stay strings, as YAML means them.
    if (node_.Tag() == "?") {
      if (is_json_number(*text)) return *text;
      if (*text == "true" || *text == "True" || *text == "TRUE") return "true";
      if (*text == "false" || *text == "False" || *text == "FALSE") return "false";
      if (*text == "null" || *text == "Null" || *text == "NULL" || *text == "~") return "null";
    }
    try {
      return nlohmann::json(*text).dump();
    } catch (const nlohmann::json::exception&) {
      error("is not valid UTF-8");
      return std::nullopt;
    }
  }
  std::string out;
  bool ok = true;
  if (node_.IsSequence()) {
    out = "[";
    for (const Value& element : elements()) {
      auto text = element.present() ? element.json_text() : std::optional<std::string>("null");
      if (!text) ok = false;
      if (out.size() > 1) out += ",";
      out += text.value_or("null");
    }
    return ok ? std::optional(out + "]") : std::nullopt;
  }
  MapReader reader(*this, KeyRules::any());
  out = "{";
  for (const auto& entry : reader.entries()) {
    auto text =
        entry.value.present() ? entry.value.json_text() : std::optional<std::string>("null");
    if (!text) ok = false;
    if (out.size() > 1) out += ",";
    try {
      out += nlohmann::json(entry.key).dump() + ":" + text.value_or("null");
    } catch (const nlohmann::json::exception&) {
      context_->errors.add(entry.key_mark, child_path(path_, entry.key), "is not valid UTF-8");
      ok = false;
    }
  }
  return ok ? std::optional(out + "}") : std::nullopt;
}

std::optional<PropertyMap> Value::property_map() const {
  if (!present()) return std::nullopt;
  MapReader reader(*this, KeyRules::any());
  if (!reader.is_map()) return std::nullopt;
  PropertyMap out;
  for (const auto& entry : reader.entries()) {
    if (auto text = entry.value.json_text()) out[entry.key] = *text;
  }
  return out;
}

std::optional<std::string> Value::regex() const {
  auto text = string();
  if (!text) return std::nullopt;
  if (auto problem = regex_problem(*text)) {
    error("invalid regular expression " + in_quotes(*text) + ": " + *problem);
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> Value::glob() const {
  auto text = string();
  if (!text) return std::nullopt;
  if (auto problem = glob_problem(*text)) {
    error("invalid glob " + in_quotes(*text) + ": " + *problem);
    return std::nullopt;
  }
  return text;
}

std::vector<Value> Value::elements() const {
  std::vector<Value> out;
  if (!present()) return out;
  if (!node_.IsSequence()) {
    error("expected a list, got " + describe(node_));
    return out;
  }
  for (std::size_t i = 0; i < node_.size(); ++i) {
    YAML::Node element = node_[i];
    // A "- " with nothing after it has no position of its own: report at the list.
    out.emplace_back(*context_, element, child_path(path_, i), node_.Mark());
  }
  return out;
}

MapReader::MapReader(const Value& map, KeyRules rules) : map_(map), rules_(std::move(rules)) {
  if (!map_.present()) return;
  if (!map_.is_map()) {
    map_.error("expected a map, got " + describe(map_.node()));
    return;
  }
  is_map_ = true;
  collect(map_.node(), 0);
  ErrorList& errors = map_.context().errors;
  for (const auto& entry : entries_) {
    const std::string& key = entry.key;
    if (rules_.free_form) break;
    if (std::find(rules_.known.begin(), rules_.known.end(), key) != rules_.known.end()) continue;
    std::string message;
    if (std::find(rules_.of_other_types.begin(), rules_.of_other_types.end(), key) !=
        rules_.of_other_types.end()) {
      message = "key " + in_quotes(key) + " does not apply to " + rules_.this_type;
    } else {
      message =
          "unknown key " + in_quotes(key) + unknown_word_hint(key, rules_.known, "known keys");
    }
    errors.add(entry.key_mark, child_path(map_.path(), key), message);
  }
}

void MapReader::collect(const YAML::Node& node, int depth) {
  ErrorList& errors = map_.context().errors;
  // Merged maps fill only keys the map does not write itself, whatever their order.
  const bool merged = depth > 0;
  std::vector<YAML::Node> merges;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies: the iterator hands out a temporary pair.
    const YAML::Node key_node = it->first;
    const YAML::Node value_node = it->second;
    if (!key_node.IsScalar()) {
      errors.add(key_node.Mark(), map_.path(), "a key must be a plain string");
      continue;
    }
    const std::string& key = key_node.Scalar();
    if (key == "<<" && key_node.Tag() == "?") {
      merges.push_back(value_node);
      continue;
    }
    if (rules_.ignore_x_keys && key.starts_with("x-")) continue;
    if (const Entry* first = find(key)) {
      if (!merged) {
        errors.add(key_node.Mark(), child_path(map_.path(), key),
                   "duplicate key " + in_quotes(key) + " (first at line " +
                       std::to_string(first->key_mark.line + 1) + ")");
      }
      continue;
    }
    index_.emplace(key, entries_.size());
    entries_.push_back(
        Entry{key, key_node.Mark(),
              Value(map_.context(), value_node, child_path(map_.path(), key), key_node.Mark())});
  }
  constexpr int kDeepestMerge = 16;
  for (const YAML::Node& merge : merges) {
    if (depth >= kDeepestMerge) break;
    if (merge.IsMap()) {
      collect(merge, depth + 1);
    } else if (merge.IsSequence() && std::all_of(merge.begin(), merge.end(),
                                                 [](const YAML::Node& n) { return n.IsMap(); })) {
      for (const YAML::Node& each : merge) collect(each, depth + 1);
    } else {
      errors.add(merge.Mark(), map_.path(), "\"<<\" merges a map or a list of maps");
    }
  }
}

const MapReader::Entry* MapReader::find(std::string_view key) const {
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

bool MapReader::has(std::string_view key) const {
  const Entry* entry = find(key);
  return entry != nullptr && entry->value.present();
}

Value MapReader::get(std::string_view key) const {
  assert(rules_.free_form ||
         std::find(rules_.known.begin(), rules_.known.end(), key) != rules_.known.end());
  if (const Entry* entry = find(key)) return entry->value;
  return Value(map_.context(), YAML::Node(), child_path(map_.path(), key), map_.mark());
}

Value MapReader::required(std::string_view key) const {
  Value value = get(key);
  if (value.present() || !is_map_) return value;
  if (find(key) != nullptr) {
    value.error("\"" + std::string(key) + "\" needs a value");
  } else {
    map_.context().errors.add(map_.mark(), map_.path(),
                              "missing required key \"" + std::string(key) + "\"");
  }
  return value;
}

std::optional<MapReader> read_map_element(const Value& element, KeyRules rules) {
  if (!element.present()) {
    element.error("expected a map, got nothing");
    return std::nullopt;
  }
  MapReader reader(element, std::move(rules));
  if (!reader.is_map()) return std::nullopt;
  return reader;
}

}  // namespace eventbot::config::detail
