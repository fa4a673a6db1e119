#include "actors/schedulers/change_filter.hpp"

#include <algorithm>

namespace eventbot::schedulers {

Expected<StringFilter, std::string> StringFilter::compile(const config::StringMatcher& matcher) {
  StringFilter out;
  out.values_ = matcher.values;
  if (matcher.regex) {
    auto compiled = Regex::compile(*matcher.regex);
    if (!compiled) {
      return unexpected("invalid regular expression '" + *matcher.regex + "': " + compiled.error());
    }
    out.regex_ = std::move(*compiled);
  }
  return out;
}

bool StringFilter::matches(const std::string& value) const {
  if (!values_.empty() && std::find(values_.begin(), values_.end(), value) == values_.end()) {
    return false;
  }
  if (regex_ && !regex_->match_prefix(value)) {
    return false;
  }
  return true;
}

Expected<ChangeFilter, std::string> ChangeFilter::compile(const config::ChangeFilter& filter) {
  ChangeFilter out;
  struct Field {
    const char* name;
    const config::StringMatcher& matcher;
    StringFilter& target;
  };
  for (auto& field : {Field{"project", filter.project, out.project_},
                      Field{"repository", filter.repository, out.repository_},
                      Field{"branch", filter.branch, out.branch_},
                      Field{"category", filter.category, out.category_}}) {
    auto compiled = StringFilter::compile(field.matcher);
    if (!compiled)
      return unexpected("change_filter." + std::string(field.name) + ": " + compiled.error());
    field.target = std::move(*compiled);
  }
  return out;
}

bool ChangeFilter::matches(const events::ChangeAdded& change) const {
  return project_.matches(change.project()) && repository_.matches(change.repository()) &&
         branch_.matches(change.branch()) && category_.matches(change.category());
}

}  // namespace eventbot::schedulers
