#pragma once
// /change_hook/github: GitHub's webhook events, as Buildbot's GitHub hook reads them.
// `push`: one change per distinct commit (the head commit for a tag or a push without
// new commits; none for a deleted ref); `pull_request` (opened, reopened, synchronize):
// one change for the head of the pull request, on "refs/pull/N/merge"; `ping`: none.
// The payload is the JSON body, or the `payload` field of a form; `?project=` and
// `?codebase=` set those fields. The signature is checked before (hook_secrets.hpp).
// Pure: no I/O.
#include <string_view>

#include "gateway/hooks/hook_result.hpp"

namespace eventbot::gateway::hooks {

// `event`: the X-GitHub-Event header.
HookResult parse_github_hook(std::string_view event, std::string_view content_type,
                             std::string_view body, std::string_view query);

}  // namespace eventbot::gateway::hooks
