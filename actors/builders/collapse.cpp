#include "actors/builders/collapse.hpp"

#include <algorithm>
#include <set>

namespace eventbot::builders {
namespace {

const events::SourceStamp* find_codebase(const std::vector<events::SourceStamp>& list,
                                         const std::string& codebase) {
  for (const auto& ss : list) {
    if (ss.codebase() == codebase) return &ss;
  }
  return nullptr;
}

bool codebases_unique(const std::vector<events::SourceStamp>& list) {
  std::set<std::string> seen;
  for (const auto& ss : list) {
    if (!seen.insert(ss.codebase()).second) return false;
  }
  return true;
}

std::uint64_t newest_change(const events::SourceStamp& ss) {
  std::uint64_t newest = 0;
  for (auto id : ss.change_ids()) newest = std::max<std::uint64_t>(newest, id);
  return newest;
}

}  // namespace

bool can_be_merged(const events::SourceStamp& a, const events::SourceStamp& b) {
  if (a.codebase() != b.codebase() || a.repository() != b.repository() ||
      a.project() != b.project() || a.branch() != b.branch()) {
    return false;
  }
  if (!a.patch().empty() || !b.patch().empty()) return false;
  const bool a_changes = a.change_ids_size() > 0;
  const bool b_changes = b.change_ids_size() > 0;
  if (a_changes && b_changes) return true;
  if (a_changes || b_changes) return false;
  return a.revision() == b.revision();
}

bool can_be_merged(const std::vector<events::SourceStamp>& a,
                   const std::vector<events::SourceStamp>& b) {
  if (a.size() != b.size() || !codebases_unique(a) || !codebases_unique(b)) return false;
  for (const auto& ss : a) {
    const auto* other = find_codebase(b, ss.codebase());
    if (other == nullptr || !can_be_merged(ss, *other)) return false;
  }
  return true;
}

std::vector<events::SourceStamp> merge_sourcestamps(
    const std::vector<std::vector<events::SourceStamp>>& lists) {
  if (lists.empty()) return {};
  std::vector<events::SourceStamp> merged = lists.front();
  for (auto& ss : merged) {
    std::set<std::uint64_t> changes;
    const events::SourceStamp* newest = nullptr;
    for (const auto& list : lists) {
      const auto* same = find_codebase(list, ss.codebase());
      if (same == nullptr) continue;
      changes.insert(same->change_ids().begin(), same->change_ids().end());
      if (same->change_ids_size() > 0 &&
          (newest == nullptr || newest_change(*same) > newest_change(*newest))) {
        newest = same;
      }
    }
    if (newest != nullptr) {
      std::string revision = newest->revision();
      ss.set_revision(revision);
    }
    ss.clear_change_ids();
    for (auto id : changes) ss.add_change_ids(id);
  }
  return merged;
}

}  // namespace eventbot::builders
