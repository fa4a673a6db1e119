#pragma once
// /change_hook/base, Buildbot's generic hook: one change from the fields of a form
// (application/x-www-form-urlencoded, and the query string) or of a JSON object:
// author (or who), comments, files (a JSON list), revision, when_timestamp (or when:
// seconds since the epoch), branch, category, revlink, properties (a JSON object),
// repository, project, codebase. Pure: no I/O.
#include <string_view>

#include "gateway/hooks/hook_result.hpp"

namespace eventbot::gateway::hooks {

HookResult parse_base_hook(std::string_view content_type, std::string_view body,
                           std::string_view query);

}  // namespace eventbot::gateway::hooks
