// builders: Buildbot's BuilderConfig with its factory's steps written in place, and
// `matrix`, which expands one entry into a builder per combination of axis values.
#include <algorithm>
#include <cctype>

#include "actors/builds/steps/step_types.hpp"
#include "actors/config/read/sections.hpp"
#include "actors/config/read/suggestions.hpp"
#include "actors/config/read/value_formats.hpp"

namespace eventbot::config::detail {
namespace {

// A matrix bigger than this is surely a mistake, and would flood the web pages.
constexpr std::size_t kMostExpansions = 1000;

const std::vector<std::string> kBuilderKeys = {
    "name",       "matrix",     "slaves",     "builddir", "slavebuilddir", "category",
    "tags",       "env",        "properties", "locks",    "description",   "collapse_requests",
    "next_slave", "next_build", "priority",   "steps"};

struct Axis {
  std::string name;
  std::vector<std::string> values;
};

bool is_identifier(const std::string& text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::optional<std::vector<Axis>> read_matrix(const Value& value) {
  MapReader reader(value, KeyRules::any());
  if (!reader.is_map()) return std::nullopt;
  if (reader.entries().empty()) {
    value.error("a matrix needs at least one axis");
    return std::nullopt;
  }
  std::vector<Axis> axes;
  std::size_t expansions = 1;
  bool ok = true;
  for (const auto& entry : reader.entries()) {
    if (!is_identifier(entry.key)) {
      value.context().errors.add(entry.key_mark, entry.value.path(),
                                 "an axis name is letters, digits and '_' (strings use it as "
                                 "{name})");
      ok = false;
      continue;
    }
    auto values = entry.value.string_list();
    if (!values || values->empty()) {
      if (!entry.value.present() || (values && values->empty())) {
        entry.value.error("an axis needs at least one value");
      }
      ok = false;
      continue;
    }
    expansions *= values->size();
    axes.push_back(Axis{entry.key, *values});
  }
  if (ok && expansions > kMostExpansions) {
    value.error("expands to " + std::to_string(expansions) + " builders; at most " +
                std::to_string(kMostExpansions) + " are allowed");
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return axes;
}

// Every combination of axis values, the first axis varying slowest.
std::vector<AxisValues> combinations(const std::vector<Axis>& axes) {
  std::vector<AxisValues> out = {AxisValues{}};
  for (const Axis& axis : axes) {
    std::vector<AxisValues> longer;
    for (const AxisValues& partial : out) {
      for (const std::string& value : axis.values) {
        AxisValues next = partial;
        next[axis.name] = value;
        longer.push_back(std::move(next));
      }
    }
    out = std::move(longer);
  }
  return out;
}

std::optional<StepConfig> read_step(const Value& element, NameTable& names) {
  auto reader = read_map_element(element, KeyRules::any());
  if (!reader) return std::nullopt;
  StepConfig step;
  const Value type_value = reader->required("type");
  auto type = type_value.non_empty_string();
  if (!type) return std::nullopt;
  step.type = *type;
  const auto known_types = builds::step_types();
  if (std::find(known_types.begin(), known_types.end(), step.type) == known_types.end()) {
    // Reported here, at the type, with the one likely type: the step's own checks
    // would list all of them.
    type_value.error("unknown step type \"" + step.type + "\"" +
                     unknown_word_hint(step.type, known_types, "step types"));
    return std::nullopt;
  }
  auto name = reader->get("name").non_empty_string();
  step.name = name ? *name : step.type;  // Buildbot names a step after its class
  for (const auto& entry : reader->entries()) {
    if (entry.key == "type" || entry.key == "name") continue;
    // Kept as JSON text like every parameter (parse_lock_uses reads it), checked here.
    if (entry.key == "locks") read_lock_uses(entry.value, names);
    if (auto json = entry.value.json_text()) step.params[entry.key] = *json;
  }
  // The step type's own rules: known parameters, their types, interpolations, conditions.
  for (const auto& problem : builds::validate_step(step)) {
    element.error(problem);
  }
  return step;
}

void check_directory(const Value& value, const std::string& path) {
  if (auto problem = relative_path_problem(path)) {
    value.error("\"" + path + "\" " + *problem);
  }
}

// Everything but the name, which the caller reads (it decides what a matrix expands to).
void read_builder_fields(const MapReader& reader, BuilderConfig& builder, NameTable& names) {
  Value slaves = reader.required("slaves");
  if (auto list = read_references(slaves, NameKind::slave, names)) {
    if (slaves.is_empty_list()) slaves.error("names no slave; a builder needs at least one");
    builder.slaves = *list;
  }
  Value builddir = reader.get("builddir");
  if (auto dir = builddir.string()) {
    builder.builddir = *dir;
    check_directory(builddir, *dir);
  }
  Value slavebuilddir = reader.get("slavebuilddir");
  if (auto dir = slavebuilddir.string()) {
    builder.slavebuilddir = *dir;
    check_directory(slavebuilddir, *dir);
  }
  if (auto text = reader.get("category").string()) builder.category = *text;
  if (auto list = reader.get("tags").string_list()) builder.tags = *list;
  if (auto env = reader.get("env").string_map()) builder.env = *env;
  if (auto properties = reader.get("properties").property_map()) {
    for (const auto& [key, value] : *properties) builder.properties[key] = value;
  }
  if (auto uses = read_lock_uses(reader.get("locks"), names)) builder.locks = *uses;
  if (auto text = reader.get("description").string()) builder.description = *text;
  if (auto b = reader.get("collapse_requests").boolean()) builder.collapse_requests = *b;
  if (auto policy = reader.get("next_slave")
                        .choice({"random", "in_order", "least_recently_used", "fewest_builds"},
                                "next_slave policy")) {
    builder.next_slave = *policy == "random"                ? NextSlavePolicy::random
                         : *policy == "in_order"            ? NextSlavePolicy::in_order
                         : *policy == "least_recently_used" ? NextSlavePolicy::least_recently_used
                                                            : NextSlavePolicy::fewest_builds;
  }
  if (auto n = reader.get("priority").integer(-1'000'000, 1'000'000)) {
    builder.priority = static_cast<int>(*n);
  }
  if (auto policy = reader.get("next_build").choice({"oldest", "newest"}, "next_build policy")) {
    builder.next_build = *policy == "oldest" ? NextBuildPolicy::oldest : NextBuildPolicy::newest;
  }
  for (const Value& element : reader.get("steps").elements()) {
    if (auto step = read_step(element, names)) builder.steps.push_back(std::move(*step));
  }
}

// Names the axes a matrix builder's name lacks: adding them is the usual fix for a
// matrix that gives several builders one name.
std::string missing_axes_hint(const std::string& name_template, const AxisValues& axes) {
  auto used = placeholders_in(name_template);
  std::vector<std::string> missing;
  for (const auto& [axis, value] : axes) {
    if (std::find(used.begin(), used.end(), axis) == used.end())
      missing.push_back("{" + axis + "}");
  }
  return missing.empty() ? "" : "; add " + join(missing, " and ") + " to it";
}

// Reads one entry of `builders:` into `out`: one builder, or one per matrix combination.
// `where` gets, for each builder added, the value to report its builddir at.
void read_builder(const Value& element, NameTable& names, std::vector<BuilderConfig>& out,
                  std::vector<Value>& where) {
  auto reader = read_map_element(element, KeyRules::only(kBuilderKeys));
  if (!reader) return;
  Value name = reader->required("name");
  std::vector<AxisValues> expansions = {AxisValues{}};
  const bool is_matrix = reader->has("matrix");
  if (is_matrix) {
    auto axes = read_matrix(reader->get("matrix"));
    if (!axes) return;
    expansions = combinations(*axes);
  }
  ReadContext& context = element.context();
  std::vector<std::string> expanded_names;
  bool reported_repeat = false;
  for (const AxisValues& axes : expansions) {
    BuilderConfig builder;
    context.axes = is_matrix ? &axes : nullptr;
    auto builder_name = name.non_empty_string();
    for (const auto& [axis, value] : axes) builder.properties[axis] = json_string(value);
    read_builder_fields(*reader, builder, names);
    context.axes = nullptr;
    if (!builder_name) continue;
    builder.name = *builder_name;
    if (std::find(expanded_names.begin(), expanded_names.end(), builder.name) !=
        expanded_names.end()) {
      if (!reported_repeat) {
        name.error("the matrix gives more than one builder the name \"" + builder.name + "\"" +
                   missing_axes_hint(name.node().Scalar(), axes));
      }
      reported_repeat = true;
      continue;
    }
    expanded_names.push_back(builder.name);
    if (!names.define(NameKind::builder, builder.name, name)) continue;
    const bool own_builddir = reader->has("builddir");
    if (!own_builddir) builder.builddir = builder.name;
    if (!reader->has("slavebuilddir")) builder.slavebuilddir = builder.builddir;
    if (auto problem = relative_path_problem(builder.builddir); problem && !own_builddir) {
      name.error("as a builddir, \"" + builder.name + "\" " + *problem + "; give a builddir");
    }
    where.push_back(own_builddir ? reader->get("builddir") : name);
    out.push_back(std::move(builder));
  }
}

// Buildbot keeps each builder's status in its builddir, so two builders cannot share one.
void check_builddirs_unique(const std::vector<BuilderConfig>& builders,
                            const std::vector<Value>& where) {
  for (std::size_t i = 0; i < builders.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (builders[j].builddir != builders[i].builddir) continue;
      where[i].error("builddir \"" + builders[i].builddir + "\" is also builder \"" +
                     builders[j].name + "\"'s");
      break;
    }
  }
}

}  // namespace

std::vector<BuilderConfig> read_builders(const Value& list, NameTable& names) {
  std::vector<BuilderConfig> builders;
  std::vector<Value> where;
  for (const Value& element : list.elements()) read_builder(element, names, builders, where);
  check_builddirs_unique(builders, where);
  return builders;
}

}  // namespace eventbot::config::detail
