#include "actors/config/read/name_table.hpp"

#include <algorithm>
#include <unordered_set>

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
  auto [known, added] = index_[kind].emplace(name, sites.size());
  if (!added) {
    const Site& first = sites[known->second];
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
  auto names = index_.find(kind);
  return names != index_.end() && names->second.count(name) > 0;
}

void NameTable::check_references() const {
  // Each suggestion compares the name with every defined one: only the first few
  // dangling references get one, so a file of thousands stays quick to check.
  constexpr int kSuggested = 100;
  int dangling = 0;
  for (const auto& [kind, reference] : references_) {
    if (defines(kind, reference.name)) continue;
    std::string hint;
    if (++dangling <= kSuggested) {
      std::vector<std::string> names;
      if (auto sites = definitions_.find(kind); sites != definitions_.end()) {
        for (const Site& site : sites->second) names.push_back(site.name);
      }
      hint = did_you_mean(reference.name, names);
    }
    errors_.add(reference.mark, reference.path,
                "no " + noun(kind) + " named \"" + reference.name + "\"" + hint);
  }
}

std::optional<std::vector<std::string>> read_references(const Value& list, NameKind kind,
                                                        NameTable& names) {
  if (!list.present()) return std::nullopt;
  auto all = list.string_list();  // reports a map, repeats and non-strings
  if (!all) return std::nullopt;
  std::vector<Value> each = list.is_list() ? list.elements() : std::vector<Value>{list};
  std::unordered_set<std::string> seen;
  for (const Value& element : each) {
    auto name = element.string();
    if (!name || !seen.insert(*name).second) continue;
    names.refer(kind, *name, element);
  }
  return all;
}

}  // namespace eventbot::config::detail
