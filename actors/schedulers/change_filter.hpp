#pragma once
// Which changes a scheduler looks at, as the manual's ChangeFilter: project, repository,
// branch and category, each by a list of values and/or a regular expression; a change
// passes only if every given condition holds. A regex matches as Python's re.match does
// in Buildbot (anchored at the start of the value, not at its end): "deve" matches
// "devel", ".*deve" is needed for "mydevel". Regexes use RE2's syntax (common/regex.hpp):
// matching is linear in the value, so a change with a huge branch name cannot crash the
// fold that meets it.
#include <optional>
#include <string>
#include <vector>

#include "actors/config/master_config.hpp"
#include "common/expected.hpp"
#include "common/regex.hpp"
#include "events/events.pb.h"

namespace eventbot::schedulers {

class StringFilter {
 public:
  // Fails with a message naming the regex when it does not compile.
  static Expected<StringFilter, std::string> compile(const config::StringMatcher& matcher);
  bool matches(const std::string& value) const;
  bool any() const { return values_.empty() && !regex_; }

 private:
  std::vector<std::string> values_;
  std::optional<Regex> regex_;
};

class ChangeFilter {
 public:
  static Expected<ChangeFilter, std::string> compile(const config::ChangeFilter& filter);
  bool matches(const events::ChangeAdded& change) const;
  // Whether the filter says anything about branches.
  bool filters_branch() const { return !branch_.any(); }

 private:
  StringFilter project_;
  StringFilter repository_;
  StringFilter branch_;
  StringFilter category_;
};

}  // namespace eventbot::schedulers
