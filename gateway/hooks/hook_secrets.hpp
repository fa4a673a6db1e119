#pragma once
// A change hook's options (master.yaml's web.change_hooks.<dialect>, as JSON text) and
// the checks of who sent a request: GitHub's X-Hub-Signature-256 (HMAC-SHA256 of the
// body keyed by the secret) and GitLab's X-Gitlab-Token, both compared in constant time.
// A secret written as `secret_file` or `secret_env` has been read into `secret` when the
// configuration was loaded (config::resolve_passwords). Pure: no I/O; messages never
// hold a secret.
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace eventbot::gateway::hooks {

struct HookOptions {
  std::string secret;         // github: the HMAC key; gitlab: the token
  std::string secret_sha256;  // gitlab's secret_hash: SHA-256 of the token, 32 raw bytes
  bool checks() const { return !secret.empty() || !secret_sha256.empty(); }
};

// The options of `dialect` ("base", "github", "gitlab"); the error names the problem.
Expected<HookOptions, std::string> hook_options(std::string_view dialect,
                                                std::string_view json_text);

// "sha256=<64 lower-case hex digits>" as GitHub computes it.
std::string github_signature(std::string_view secret, std::string_view body);

// Whether `header` (X-Hub-Signature-256) signs `body` with `secret`.
bool github_signature_matches(std::string_view secret, std::string_view body,
                              std::string_view header);

// Whether `token` (X-Gitlab-Token) is the configured one.
bool gitlab_token_matches(const HookOptions& options, std::string_view token);

}  // namespace eventbot::gateway::hooks
