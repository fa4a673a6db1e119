#pragma once
// fileIsImportant as data: a change is important if one of its files matches an include
// glob (any file when there are none) and no exclude glob. Globs are fnmatch(3) patterns
// with no flags, as Python's fnmatch: '*' also matches '/', so "docs/*" covers
// "docs/a/b.txt". A change that lists no files is important: nothing says it is not.
#include "actors/config/master_config.hpp"
#include "events/events.pb.h"

namespace eventbot::schedulers {

bool file_is_important(const config::FileImportance& rule, const std::string& path);
bool change_is_important(const config::FileImportance& rule, const events::ChangeAdded& change);

}  // namespace eventbot::schedulers
