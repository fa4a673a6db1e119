#include "actors/config/read/name_table.hpp"

#include <algorithm>

#include "actors/config/read/suggestions.hpp"

namespace eventbot::config::detail {
namespace {

std::string noun(NameKind kind) {
  switch (kind) {
    case NameKind::slave:
      return "slave";
    case NameKind::change_source:
      return "change source";
    case NameKind::scheduler:
      return "scheduler";
    case NameKind::builder:
      return "builder";
    case NameKind::status_target:
      return "status target";
    case NameKind::web_user:
      return "web user";
    case NameKind::lock:
      return "lock";
  }
  return "name";
}

}  // namespace

bool NameTable::define(NameKind kind, const std::string& name, const Value& where) {
  auto& sites = definitions_[kind];
  for (const Site& first : sites) {
    if (first.name != name) continue;
    where.error("duplicate " + noun(kind) + " name \"" + name + "\" (first at line " +
                std::to_string(first.mark.line + 1) + ")");
    return false;
  }
  sites.push_back(Site{name, where.mark(), where.path()});
  return true;
}

void NameTable::refer(NameKind kind, const std::string& name, const Value& where) {
  references_.emplace_back(kind, Site{name, where.mark(), where.path()});
}

bool NameTable::defines(NameKind kind, const std::string& name) const {
  auto sites = definitions_.find(kind);
  if (sites == definitions_.end()) return false;
  for (const Site& site : sites->second) {
    if (site.name == name) return true;
  }
  return false;
}

void NameTable::check_references() const {
  for (const auto& [kind, reference] : references_) {
    if (defines(kind, reference.name)) continue;
    std::vector<std::string> names;
    if (auto sites = definitions_.find(kind); sites != definitions_.end()) {
      for (const Site& site : sites->second) names.push_back(site.name);
    }
    errors_.add(reference.mark, reference.path,
                "no " + noun(kind) + " named \"" + reference.name + "\"" +
                    did_you_mean(reference.name, names));
  }
}

std::optional<std::vector<std::string>> read_references(const Value& list, NameKind kind,
                                                        NameTable& names) {
  if (!list.present()) return std::nullopt;
  auto all = list.string_list();  // reports a map, repeats and non-strings
  if (!all) return std::nullopt;
  std::vector<Value> each = list.is_list() ? list.elements() : std::vector<Value>{list};
  std::vector<std::string> seen;
  for (const Value& element : each) {
    auto name = element.string();
    if (!name || std::find(seen.begin(), seen.end(), *name) != seen.end()) continue;
    seen.push_back(*name);
    names.refer(kind, *name, element);
  }
  return all;
}

}  // namespace eventbot::config::detail
