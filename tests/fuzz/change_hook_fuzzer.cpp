// The change hooks' parsers: any body, with any of the hooks' events and body types,
// is parsed without crashing; what comes back is changes (no more than the cap) or a
// 400/415; the signature and token checks take any header.
// The first byte picks the hook and the event, the second the content type; the rest
// is the body.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/hooks/base_hook.hpp"
#include "gateway/hooks/github_hook.hpp"
#include "gateway/hooks/gitlab_hook.hpp"
#include "gateway/hooks/hook_secrets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventbot::gateway::hooks;
  if (size < 2) return 0;
  static constexpr std::string_view kEvents[] = {"push", "pull_request", "ping", "issues"};
  static constexpr std::string_view kTypes[] = {
      "application/json", "application/x-www-form-urlencoded", "", "text/plain"};
  const unsigned pick = data[0];
  const std::string_view type = kTypes[data[1] % 4];
  std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
  // A query string from the body's first line, as ?project=...&codebase=...
  std::string_view query = body.substr(0, std::min<std::size_t>(body.find('\n'), 64));
  HookResult result = HookChanges{};
  switch (pick % 6) {
    case 0:
      result = parse_base_hook(type, body, query);
      break;
    case 1:
    case 2:
    case 3:
      result = parse_github_hook(kEvents[pick % 4], type, body, query);
      break;
    case 4:
      result = parse_gitlab_hook(body, query);
      break;
    default: {
      // The options and the checks.
      auto options = hook_options(pick & 8 ? "gitlab" : "github", body);
      if (options && options->checks()) {
        (void)gitlab_token_matches(*options, query);
        (void)github_signature_matches(options->secret, body, query);
      }
      return 0;
    }
  }
  if (result) {
    if (result->changes.size() > kMaxChangesPerHook) std::abort();
  } else if (result.error().status != 400 && result.error().status != 415) {
    std::abort();
  }
  return 0;
}
