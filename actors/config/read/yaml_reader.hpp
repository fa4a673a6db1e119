#pragma once
// What every section reader shares: the list of errors found so far, and typed reading
// of YAML values that reports a wrong value at its position and carries on, so that one
// pass over the file finds every error. Internal to actors/config.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/config/config_error.hpp"
#include "actors/config/master_config.hpp"
#include "actors/config/read/interpolation.hpp"

namespace eventbot::config::detail {

class ErrorList {
 public:
  explicit ErrorList(std::string file) : file_(std::move(file)) {}

  void add(const YAML::Mark& mark, const std::string& key_path, std::string message);
  bool empty() const { return errors_.empty(); }
  // In the order of their position; repeats (each expansion of a matrix builder reads
  // the same text) appear once.
  std::vector<ConfigError> sorted() const;

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

struct ReadContext {
  ErrorList& errors;
  // Set while one expansion of a matrix builder is read: strings are interpolated.
  const AxisValues* axes = nullptr;
};

// "schedulers" + 1 → "schedulers[1]", "master" + "slave_port" → "master.slave_port".
std::string child_path(const std::string& parent, std::size_t index);
std::string child_path(const std::string& parent, std::string_view key);

// `text` as a JSON string; invalid UTF-8 becomes U+FFFD.
std::string json_string(std::string_view text);

// How a node reads in a message: "a map", "a list", "nothing", or the quoted scalar.
std::string describe(const YAML::Node& node);

// One value of the document with its key path. A key written without a value (or not
// written at all) is absent: readers return nothing and the default stays.
class Value {
 public:
  // `mark` is where to report about this value when it has none: its key, or its map.
  Value(ReadContext& context, YAML::Node node, std::string path, YAML::Mark mark);

  bool present() const { return node_.IsDefined() && !node_.IsNull(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_list() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool is_empty_list() const { return node_.IsSequence() && node_.size() == 0; }
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  YAML::Mark mark() const { return present() ? node_.Mark() : mark_; }
  ReadContext& context() const { return *context_; }

  void error(std::string message) const;

  // Each reader returns nothing when the value is absent or wrong (after reporting why).
  std::optional<std::string> string() const;
  std::optional<std::string> non_empty_string() const;
  std::optional<bool> boolean() const;
  std::optional<std::int64_t> integer(
      std::int64_t min = std::numeric_limits<std::int64_t>::min(),
      std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;
  // Seconds: a number, or "30s", "5m", "2h", "1d".
  std::optional<std::int64_t> duration(std::int64_t min = 0) const;
  std::optional<std::int64_t> byte_size() const;
  // One of `choices`; `what` names it in the error ("scheduler type").
  std::optional<std::string> choice(const std::vector<std::string>& choices,
                                    std::string_view what) const;
  // A list of strings; a lone string is a list of one. `unique` reports repeats.
  std::optional<std::vector<std::string>> string_list(bool unique = true) const;
  // A map of strings to strings (env).
  std::optional<std::map<std::string, std::string>> string_map() const;
  // Any value as JSON text: quoted scalars are strings, plain ones may be numbers,
  // true/false or null. Unlike the other readers, a key without a value gives "null".
  std::optional<std::string> json_text() const;
  // A map of property names to values as JSON text.
  std::optional<PropertyMap> property_map() const;
  std::optional<std::string> regex() const;
  std::optional<std::string> glob() const;

  // The elements of a list (none if absent; reports anything else).
  std::vector<Value> elements() const;

 private:
  // The scalar's text, interpolated in a matrix builder; reports other kinds.
  std::optional<std::string> scalar(std::string_view expected) const;

  ReadContext* context_;
  YAML::Node node_;
  std::string path_;
  YAML::Mark mark_;
};

// The keys a map may hold, for the unknown-key errors.
struct KeyRules {
  static KeyRules only(std::vector<std::string> known) {
    KeyRules rules;
    rules.known = std::move(known);
    return rules;
  }
  static KeyRules any() {
    KeyRules rules;
    rules.free_form = true;
    return rules;
  }

  std::vector<std::string> known;
  bool free_form = false;  // any key (env, properties, step parameters)
  // Keys that belong to a sibling type ("period" in a nightly scheduler), and the words
  // for this one ("nightly schedulers"): "does not apply" reads better than "unknown".
  std::vector<std::string> of_other_types;
  std::string this_type;
  bool ignore_x_keys = false;  // "x-..." keys hold YAML anchors for reuse
};

// The keys of one YAML map, in document order: reports a non-map, repeated keys and
// unknown keys when built, resolves "<<" merge keys, and hands out values by key.
class MapReader {
 public:
  struct Entry {
    std::string key;
    YAML::Mark key_mark;
    Value value;
  };

  MapReader(const Value& map, KeyRules rules);

  bool is_map() const { return is_map_; }
  bool has(std::string_view key) const;
  // Absent (with the map's position) when not written.
  Value get(std::string_view key) const;
  // As get, reporting a key not written or written without a value.
  Value required(std::string_view key) const;
  const std::vector<Entry>& entries() const { return entries_; }
  const Value& self() const { return map_; }

 private:
  void collect(const YAML::Node& node, int depth);
  const Entry* find(std::string_view key) const;

  Value map_;
  KeyRules rules_;
  bool is_map_ = false;
  std::vector<Entry> entries_;
  // Key -> index in entries_: a map of many keys must not take quadratic time.
  std::unordered_map<std::string, std::size_t> index_;
};

// A list element that must be a map; reports "- " with nothing after it, too.
std::optional<MapReader> read_map_element(const Value& element, KeyRules rules);

}  // namespace eventbot::config::detail
