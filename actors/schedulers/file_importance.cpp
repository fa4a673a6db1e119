#include "actors/schedulers/file_importance.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace eventbot::schedulers {
namespace {

bool any_glob(const std::vector<std::string>& globs, const std::string& path) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& glob) {
    return ::fnmatch(glob.c_str(), path.c_str(), 0) == 0;
  });
}

}  // namespace

bool file_is_important(const config::FileImportance& rule, const std::string& path) {
  if (!rule.include.empty() && !any_glob(rule.include, path)) return false;
  return !any_glob(rule.exclude, path);
}

bool change_is_important(const config::FileImportance& rule, const events::ChangeAdded& change) {
  if (rule.any() || change.files_size() == 0) return true;
  return std::any_of(change.files().begin(), change.files().end(),
                     [&](const std::string& path) { return file_is_important(rule, path); });
}

}  // namespace eventbot::schedulers
