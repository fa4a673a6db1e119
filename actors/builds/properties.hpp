#pragma once
// A build's properties: name -> (JSON value, source), and WithProperties interpolation.
//
// Precedence, lowest to highest, in the order the manual lists the sources ("If the same
// property is supplied in multiple places, the final appearance takes precedence"):
//
//   Global < Scheduler < Change < Force Build Form < BuildSlave < Build < Builder < steps
//
// `Properties::layered` applies a list of properties in that order (by their source name,
// see `source_rank`), so a builder's property overrides a scheduler's whatever order the
// list is in. During the build, `set` always wins: a step's property is the final
// appearance. A source the table does not know counts as a step's.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "events/events.pb.h"

namespace eventbot::builds {

// Source names used by Eventbot (the manual's wording).
inline constexpr std::string_view kSourceGlobal = "Global";
inline constexpr std::string_view kSourceScheduler = "Scheduler";
inline constexpr std::string_view kSourceChange = "Change";
inline constexpr std::string_view kSourceForce = "Force Build Form";
inline constexpr std::string_view kSourceSlave = "BuildSlave";
inline constexpr std::string_view kSourceBuild = "Build";
inline constexpr std::string_view kSourceBuilder = "Builder";

// 0 (Global) ... 6 (Builder); 7 for anything else (a step's source, "SetProperty Step").
int source_rank(std::string_view source);

struct PropertyValue {
  nlohmann::json value;
  std::string source;

  bool operator==(const PropertyValue&) const = default;
};

class Properties {
 public:
  // Sets (or replaces) one property: the final appearance wins.
  void set(const std::string& name, nlohmann::json value, std::string source);
  // The value as JSON text; text that is not JSON is taken as a string.
  void set_json(const std::string& name, std::string_view value_json, std::string source);
  void erase(const std::string& name) { values_.erase(name); }

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  // nullptr when the property is not set.
  const nlohmann::json* get(const std::string& name) const;
  std::optional<std::string> source(const std::string& name) const;
  // The value rendered as Buildbot renders it (`render_value`); "" when not set.
  std::string text(const std::string& name) const;
  const std::map<std::string, PropertyValue>& all() const { return values_; }
  std::size_t size() const { return values_.size(); }

  // Applies `list` in precedence order (stable within one source), e.g. a buildset's
  // properties together with the builder's and the slave's.
  static Properties layered(const std::vector<events::Property>& list);
  void apply(const events::Property& property);
  std::vector<events::Property> to_events() const;

  bool operator==(const Properties&) const = default;

 private:
  std::map<std::string, PropertyValue> values_;
};

// The property as an event: text that is not UTF-8 (in the name or any string of the
// value) has its invalid bytes replaced by U+FFFD.
events::Property make_property(const std::string& name, const nlohmann::json& value,
                               std::string_view source);

// A JSON value as Python's str() renders the value Buildbot holds: strings as they are,
// null as "" (WithProperties turns None into an empty string), true/false as True/False,
// integers in decimal, floats as Python's repr (1.0, 2.5), lists and objects as Python's
// repr (['a', 1, True], {'k': 'v'}, keys sorted).
std::string render_value(const nlohmann::json& value);
// Python truthiness: null, false, 0, 0.0, "", [] and {} are false.
bool truthy(const nlohmann::json& value);

// The standard properties a build sets on itself (source "Build"): buildername,
// buildnumber, slavename, workdir, and from the (first) sourcestamp branch, revision,
// repository, project (null when empty, as Buildbot's None).
struct StandardProperties {
  std::string builder;
  std::uint32_t build_number = 0;
  std::string slave;
  std::string workdir;  // the builder's directory on the slave (absolute)
  std::optional<events::SourceStamp> sourcestamp;
};
void set_standard_properties(Properties& properties, const StandardProperties& standard);

// --- WithProperties interpolation --------------------------------------------------
//
//   %(name)s  %(prop:name)s    the value (rendered); an error when the property is unset
//   %(name:-text)s            the value if the property is set, else text (may be empty)
//   %(name:~text)s            the value if the property is set and true, else text
//   %(name:+text)s            text if the property is set, else ""
//   %%                        a literal %
//
// Every other use of % is malformed: a % followed by anything but ( or %, a %( with no
// closing ")s", an empty or invalid name. `text` is literal (no nested substitutions),
// as in Buildbot. Names in the operator forms are word characters, as in Buildbot's
// regexes; the plain form takes any name without ')' or ':'.

struct InterpolationError {
  std::size_t position = 0;  // offset of the offending '%' in the text
  std::string message;       // a sentence, naming the position and the fix
};

Expected<std::string, InterpolationError> interpolate(std::string_view text,
                                                      const Properties& properties);
// The syntax check alone (for config validation): no properties needed.
std::optional<InterpolationError> check_interpolation(std::string_view text);

}  // namespace eventbot::builds
