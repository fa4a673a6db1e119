#include "gateway/hooks/change_hooks.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "actors/changes/submitted_change.hpp"
#include "actors/intake/user_values.hpp"
#include "gateway/hooks/base_hook.hpp"
#include "gateway/hooks/github_hook.hpp"
#include "gateway/hooks/gitlab_hook.hpp"
#include "gateway/hooks/hook_secrets.hpp"

namespace eventbot::gateway::hooks {

struct ChangeHooks::State {
  std::string master_id;
  // Dialect to its options, or to why they cannot be used (the hook then answers 500).
  std::map<std::string, Expected<HookOptions, std::string>, std::less<>> dialects;
  std::shared_ptr<const intake::Validation> validation;
};

ChangeHooks::ChangeHooks(store::EventLog& log) : log_(log) {
  configure(config::MasterConfig{});
}

ChangeHooks::~ChangeHooks() = default;

void ChangeHooks::configure(const config::MasterConfig& config) {
  auto state = std::make_shared<State>();
  state->master_id = config.master_id;
  for (const auto& [dialect, options] : config.web.change_hooks) {
    auto parsed = hook_options(dialect, options);
    if (!parsed) spdlog::error("web.change_hooks.{}: {}", dialect, parsed.error());
    state->dialects.emplace(dialect, std::move(parsed));
  }
  auto validation = intake::Validation::compile(config.validation);
  if (validation) {
    state->validation = std::make_shared<const intake::Validation>(std::move(*validation));
  } else {
    // Compiled when master.yaml was read: keep Buildbot's patterns rather than none.
    spdlog::error("change hooks: {}; using the default validation patterns", validation.error());
    state->validation = std::make_shared<const intake::Validation>(
        *intake::Validation::compile(config::InputValidation{}));
  }
  std::lock_guard lock(mutex_);
  state_ = std::move(state);
}

api::Reply ChangeHooks::handle(std::string_view dialect, std::string_view query,
                               const http::HttpRequest& request) {
  std::shared_ptr<const State> state;
  {
    std::lock_guard lock(mutex_);
    state = state_;
  }
  auto found = state->dialects.find(dialect);
  if (found == state->dialects.end()) {
    return api::error_reply(404, "no change hook \"" + std::string(dialect.substr(0, 64)) +
                                     "\" is enabled (web.change_hooks)");
  }
  if (request.method != "POST") {
    auto reply = api::error_reply(405, "a change hook takes POST");
    reply.headers.emplace_back("Allow", "POST");
    return reply;
  }
  if (!found->second) {
    return api::error_reply(
        500, "the " + found->first + " hook's options are unusable: " + found->second.error());
  }
  const HookOptions& options = *found->second;
  const std::string content_type = request.header("Content-Type");
  HookResult parsed = HookChanges{};
  if (dialect == "github") {
    if (options.checks() && !github_signature_matches(options.secret, request.body,
                                                      request.header("X-Hub-Signature-256"))) {
      spdlog::warn("change hook github: a request from {} without a valid X-Hub-Signature-256",
                   request.client);
      return api::error_reply(403,
                              "the X-Hub-Signature-256 header does not sign this body "
                              "with the configured secret");
    }
    parsed = parse_github_hook(request.header("X-GitHub-Event"), content_type, request.body, query);
  } else if (dialect == "gitlab") {
    if (options.checks() && !gitlab_token_matches(options, request.header("X-Gitlab-Token"))) {
      spdlog::warn("change hook gitlab: a request from {} without the configured X-Gitlab-Token",
                   request.client);
      return api::error_reply(403, "the X-Gitlab-Token header is not the configured token");
    }
    parsed = parse_gitlab_hook(request.body, query);
  } else {
    parsed = parse_base_hook(content_type, request.body, query);
  }
  if (!parsed) return api::error_reply(parsed.error().status, parsed.error().message);

  // Every change is checked before any is recorded: all of them, or none.
  store::AppendRequest append;
  for (const auto& change : parsed->changes) {
    if (auto valid = changes::validate_change(*state->validation, change); !valid) {
      return api::error_reply(400, "change refused: " + valid.error());
    }
    auto one = changes::record_change_request(change, std::string(dialect), state->master_id);
    for (auto& event : one.events) {
      event.mutable_change_added()->set_source("change_hook:" + std::string(dialect));
      append.events.push_back(std::move(event));
    }
  }
  nlohmann::json answer = {{"changes", nlohmann::json::array()}};
  if (!parsed->note.empty()) answer["note"] = parsed->note;
  if (append.events.empty()) return api::json_reply(200, answer);
  auto appended = log_.append(std::move(append));
  if (!appended) {
    spdlog::error("change hook {}: recording {} change(s) from {} failed: {}", dialect,
                  parsed->changes.size(), request.client, appended.error().message);
    return api::error_reply(503,
                            "the master could not record the change: " + appended.error().message);
  }
  for (const auto& version : appended->versions) answer["changes"].push_back(version.value());
  spdlog::info("change hook {}: {} change(s) recorded from {} (changes {}..{})", dialect,
               appended->versions.size(), request.client, appended->versions.front().value(),
               appended->versions.back().value());
  return api::json_reply(200, answer);
}

}  // namespace eventbot::gateway::hooks
