// schedulers: Buildbot's SingleBranchScheduler, AnyBranchScheduler, Dependent, Periodic,
// Nightly, Triggerable, and a ForceScheduler for the web's force form.
#include <algorithm>
#include <charconv>

#include "actors/config/read/sections.hpp"

namespace eventbot::config::detail {
namespace {

struct TypeKeys {
  std::string name;
  SchedulerType type;
  std::vector<std::string> keys;  // besides type, name, builders, properties
};

const std::vector<std::string> kCommonKeys = {"type", "name", "builders", "properties"};

const std::vector<TypeKeys>& scheduler_types() {
  static const std::vector<TypeKeys> types = {
      {"single_branch",
       SchedulerType::single_branch,
       {"branch", "tree_stable_timer", "change_filter", "file_is_important", "only_important"}},
      {"any_branch",
       SchedulerType::any_branch,
       {"tree_stable_timer", "change_filter", "file_is_important", "only_important"}},
      {"dependent", SchedulerType::dependent, {"upstream"}},
      {"periodic", SchedulerType::periodic, {"period", "branch"}},
      {"nightly",
       SchedulerType::nightly,
       {"branch", "minute", "hour", "day_of_month", "month", "day_of_week", "only_if_changed",
        "change_filter", "file_is_important", "only_important"}},
      {"triggerable", SchedulerType::triggerable, {}},
      {"force", SchedulerType::force, {"reason"}},
  };
  return types;
}

std::vector<std::string> type_names() {
  std::vector<std::string> names;
  for (const auto& type : scheduler_types()) names.push_back(type.name);
  return names;
}

std::vector<std::string> every_key() {
  std::vector<std::string> keys = kCommonKeys;
  for (const auto& type : scheduler_types()) {
    for (const auto& key : type.keys) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
  }
  return keys;
}

KeyRules rules_for(const TypeKeys& type) {
  KeyRules rules = KeyRules::only(kCommonKeys);
  rules.this_type = type.name + " schedulers";
  rules.known.insert(rules.known.end(), type.keys.begin(), type.keys.end());
  for (const auto& key : every_key()) {
    if (std::find(rules.known.begin(), rules.known.end(), key) == rules.known.end()) {
      rules.of_other_types.push_back(key);
    }
  }
  return rules;
}

// A string, a list of strings, or {regex: "..."}.
std::optional<StringMatcher> read_matcher(const Value& value) {
  if (!value.present()) return std::nullopt;
  StringMatcher matcher;
  if (value.is_map()) {
    MapReader reader(value, KeyRules::only({"regex"}));
    auto regex = reader.required("regex").regex();
    if (!regex) return std::nullopt;
    matcher.regex = *regex;
    return matcher;
  }
  auto values = value.string_list();
  if (!values) return std::nullopt;
  if (values->empty()) {
    value.error("an empty list matches nothing; leave the key out to match everything");
    return std::nullopt;
  }
  matcher.values = *values;
  return matcher;
}

ChangeFilter read_change_filter(const Value& value) {
  ChangeFilter filter;
  MapReader reader(value, KeyRules::only({"project", "repository", "branch", "category"}));
  if (auto m = read_matcher(reader.get("project"))) filter.project = *m;
  if (auto m = read_matcher(reader.get("repository"))) filter.repository = *m;
  if (auto m = read_matcher(reader.get("branch"))) filter.branch = *m;
  if (auto m = read_matcher(reader.get("category"))) filter.category = *m;
  return filter;
}

std::vector<std::string> read_globs(const Value& value) {
  std::vector<std::string> globs;
  if (!value.present()) return globs;
  std::vector<Value> each = value.is_scalar() ? std::vector<Value>{value} : value.elements();
  for (const Value& element : each) {
    if (auto glob = element.glob()) globs.push_back(*glob);
  }
  return globs;
}

FileImportance read_file_importance(const Value& value) {
  FileImportance importance;
  MapReader reader(value, KeyRules::only({"include", "exclude"}));
  importance.include = read_globs(reader.get("include"));
  importance.exclude = read_globs(reader.get("exclude"));
  return importance;
}

// An integer, a list of integers, or "*" (every value: the empty field).
std::optional<CronField> read_cron_field(const Value& value, int min, int max) {
  if (!value.present()) return std::nullopt;
  if (value.is_scalar() && value.node().Scalar() == "*") return CronField{};
  if (value.is_map()) {
    value.error("expected an integer, a list of integers or \"*\", got a map");
    return std::nullopt;
  }
  std::vector<Value> each = value.is_scalar() ? std::vector<Value>{value} : value.elements();
  if (value.is_list() && each.empty()) {
    value.error("an empty list never fires; write \"*\" for every value");
    return std::nullopt;
  }
  CronField field;
  bool ok = true;
  for (const Value& element : each) {
    auto number = element.integer(min, max);
    if (!number) {
      ok = false;
      continue;
    }
    field.push_back(static_cast<int>(*number));
  }
  if (!ok) return std::nullopt;
  std::sort(field.begin(), field.end());
  field.erase(std::unique(field.begin(), field.end()), field.end());
  return field;
}

// The dependent schedulers as read: each one's name and its `upstream` value.
using Dependents = std::vector<std::pair<std::string, Value>>;

void read_filtering(const MapReader& reader, SchedulerConfig& scheduler) {
  scheduler.change_filter = read_change_filter(reader.get("change_filter"));
  scheduler.file_is_important = read_file_importance(reader.get("file_is_important"));
  if (auto b = reader.get("only_important").boolean()) scheduler.only_important = *b;
}

void read_branch(const MapReader& reader, SchedulerConfig& scheduler) {
  if (auto branch = reader.get("branch").string()) scheduler.branch = *branch;
}

void read_type_keys(const MapReader& reader, SchedulerConfig& scheduler, Dependents& dependents) {
  switch (scheduler.type) {
    case SchedulerType::single_branch:
      read_branch(reader, scheduler);
      [[fallthrough]];
    case SchedulerType::any_branch:
      if (auto seconds = reader.get("tree_stable_timer").duration()) {
        scheduler.tree_stable_timer = *seconds;
      }
      read_filtering(reader, scheduler);
      break;
    case SchedulerType::dependent: {
      Value upstream = reader.required("upstream");
      if (auto name = upstream.non_empty_string()) {
        scheduler.upstream = *name;
        if (!scheduler.name.empty()) dependents.emplace_back(scheduler.name, upstream);
      }
      break;
    }
    case SchedulerType::periodic:
      if (auto seconds = reader.required("period").duration(1)) scheduler.period = *seconds;
      read_branch(reader, scheduler);
      break;
    case SchedulerType::nightly:
      read_branch(reader, scheduler);
      if (auto f = read_cron_field(reader.get("minute"), 0, 59)) scheduler.minute = *f;
      if (auto f = read_cron_field(reader.get("hour"), 0, 23)) scheduler.hour = *f;
      if (auto f = read_cron_field(reader.get("day_of_month"), 1, 31)) scheduler.day_of_month = *f;
      if (auto f = read_cron_field(reader.get("month"), 1, 12)) scheduler.month = *f;
      if (auto f = read_cron_field(reader.get("day_of_week"), 0, 6)) scheduler.day_of_week = *f;
      if (auto b = reader.get("only_if_changed").boolean()) scheduler.only_if_changed = *b;
      read_filtering(reader, scheduler);
      break;
    case SchedulerType::triggerable:
      break;
    case SchedulerType::force:
      if (auto reason = reader.get("reason").string()) scheduler.reason = *reason;
      break;
  }
}

std::optional<SchedulerConfig> read_scheduler(const Value& element, NameTable& names,
                                              Dependents& dependents) {
  if (!element.is_map()) {
    read_map_element(element, {});  // reports what it is instead
    return std::nullopt;
  }
  // The type decides which keys belong, so read it before the rest.
  MapReader untyped(element, KeyRules::any());
  auto type_name = untyped.required("type").choice(type_names(), "scheduler type");
  const auto& types = scheduler_types();
  auto type = std::find_if(types.begin(), types.end(),
                           [&](const TypeKeys& t) { return type_name && t.name == *type_name; });
  MapReader reader(element, type != types.end() ? rules_for(*type) : KeyRules::only(every_key()));
  SchedulerConfig scheduler;
  // The name counts even when the type is wrong, so that its dependents do not add
  // "no scheduler named" to the real error.
  Value name = reader.required("name");
  if (auto text = name.non_empty_string()) {
    scheduler.name = *text;
    names.define(NameKind::scheduler, scheduler.name, name);
  }
  if (type == types.end()) return std::nullopt;
  scheduler.type = type->type;
  Value builders = reader.required("builders");
  if (auto list = read_references(builders, NameKind::builder, names)) {
    if (builders.is_empty_list())
      builders.error("names no builder; a scheduler needs at least one");
    scheduler.builders = *list;
  }
  if (auto properties = reader.get("properties").property_map()) {
    scheduler.properties = *properties;
  }
  read_type_keys(reader, scheduler, dependents);
  if (!scheduler.upstream.empty()) {
    names.refer(NameKind::scheduler, scheduler.upstream, reader.get("upstream"));
  }
  return scheduler;
}

// A dependent scheduler whose chain of upstreams leads back to itself never builds.
void check_dependency_cycles(const Dependents& dependents) {
  auto upstream_of = [&](const std::string& name) -> const Value* {
    for (const auto& [dependent, upstream] : dependents) {
      if (dependent == name) return &upstream;
    }
    return nullptr;
  };
  std::vector<std::string> reported;
  for (const auto& [name, upstream] : dependents) {
    if (std::find(reported.begin(), reported.end(), name) != reported.end()) continue;
    std::vector<std::string> chain = {name};
    const Value* link = &upstream;
    while (link != nullptr) {
      const std::string& next = link->node().Scalar();
      chain.push_back(next);
      if (next == name) break;
      if (std::find(chain.begin(), chain.end() - 1, next) != chain.end() - 1) break;
      link = upstream_of(next);
    }
    if (chain.size() < 2 || chain.back() != name) continue;
    std::string text;
    for (const auto& each : chain) text += (text.empty() ? "" : " -> ") + each;
    upstream.error("dependency cycle: " + text);
    reported.insert(reported.end(), chain.begin(), chain.end());
  }
}

}  // namespace

std::vector<SchedulerConfig> read_schedulers(const Value& list, NameTable& names) {
  std::vector<SchedulerConfig> schedulers;
  Dependents dependents;
  for (const Value& element : list.elements()) {
    if (auto scheduler = read_scheduler(element, names, dependents)) {
      schedulers.push_back(std::move(*scheduler));
    }
  }
  check_dependency_cycles(dependents);
  return schedulers;
}

}  // namespace eventbot::config::detail
