#pragma once
// /change_hook/gitlab: GitLab's webhook events, as Buildbot's GitLab hook reads them,
// told apart by the payload's object_kind. `push`: one change per commit (none for a
// deleted branch); `tag_push`: one change for the tag's commit (none for a deleted
// tag); `merge_request` (open, reopen, and update with new commits): one change for the
// request's last commit on its target branch. Other kinds make no change. `?project=`
// and `?codebase=` set those fields. The token is checked before (hook_secrets.hpp).
// Pure: no I/O.
#include <string_view>

#include "gateway/hooks/hook_result.hpp"

namespace eventbot::gateway::hooks {

HookResult parse_gitlab_hook(std::string_view body, std::string_view query);

}  // namespace eventbot::gateway::hooks
