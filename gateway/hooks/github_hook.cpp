#include "gateway/hooks/github_hook.hpp"

#include "gateway/hooks/form_fields.hpp"
#include "gateway/hooks/payload_fields.hpp"
#include "gateway/hooks/timestamps.hpp"

namespace eventbot::gateway::hooks {
namespace {

using nlohmann::json;

HookError bad(std::string message) {
  return HookError{400, std::move(message)};
}

// ?project= and ?codebase= override what the payload says.
Expected<Ok, HookError> apply_query(std::string_view query,
                                    std::vector<events::ChangeAdded>& changes) {
  auto fields = parse_form(query);
  if (!fields) return unexpected(bad(fields.error()));
  auto project = first_value(*fields, "project");
  auto codebase = first_value(*fields, "codebase");
  for (auto& change : changes) {
    if (project) change.set_project(*project);
    if (codebase) change.set_codebase(*codebase);
  }
  return Ok{};
}

Expected<std::int64_t, HookError> when_of(const json& payload,
                                          std::initializer_list<std::string_view> path) {
  auto text = string_at(payload, path);
  if (!text) return std::int64_t{0};
  auto when = parse_timestamp_us(*text);
  if (!when) return unexpected(bad("\"" + text->substr(0, 64) + "\" is not an ISO 8601 time"));
  return *when;
}

Expected<events::ChangeAdded, HookError> commit_change(const json& commit, const json& payload,
                                                       const std::string& branch) {
  if (!commit.is_object()) return unexpected(bad("a commit is not a JSON object"));
  auto id = string_at(commit, {"id"});
  if (!id || id->empty()) return unexpected(bad("a commit has no id"));
  events::ChangeAdded change;
  change.set_revision(*id);
  change.set_who(person(text_at(commit, {"author", "name"}), text_at(commit, {"author", "email"})));
  if (change.who().empty()) change.set_who(text_at(payload, {"pusher", "name"}));
  change.set_comments(text_at(commit, {"message"}));
  for (std::string_view list : {"added", "removed", "modified"}) {
    for (auto& file : strings_at(commit, {list})) change.add_files(std::move(file));
  }
  auto when = when_of(commit, {"timestamp"});
  if (!when) return unexpected(when.error());
  change.set_when_us(*when);
  change.set_branch(branch);
  change.set_revlink(text_at(commit, {"url"}));
  change.set_repository(text_at(payload, {"repository", "html_url"}));
  change.set_project(text_at(payload, {"repository", "full_name"}));
  const auto* distinct = field_at(commit, {"distinct"});
  add_property(change, "github_distinct",
               distinct && distinct->is_boolean() ? *distinct : json(true));
  add_property(change, "event", "push");
  return change;
}

HookResult push(const json& payload) {
  auto ref = string_at(payload, {"ref"});
  if (!ref || ref->empty()) return unexpected(bad("a push event without its ref"));
  HookChanges out;
  const auto* deleted = field_at(payload, {"deleted"});
  if (deleted && deleted->is_boolean() && deleted->get<bool>()) {
    out.note = "the ref " + *ref + " was deleted: no change";
    return out;
  }
  const bool tag = ref->starts_with("refs/tags/");
  const auto branch = branch_of_ref(*ref);
  const auto* commits = field_at(payload, {"commits"});
  if (commits && !commits->is_null() && !commits->is_array()) {
    return unexpected(bad("commits must be a list"));
  }
  if (commits && commits->is_array() && commits->size() > kMaxChangesPerHook) {
    return unexpected(bad("more than " + std::to_string(kMaxChangesPerHook) + " commits"));
  }
  if (commits && commits->is_array()) {
    for (const auto& commit : *commits) {
      const auto* distinct = field_at(commit, {"distinct"});
      if (distinct && distinct->is_boolean() && !distinct->get<bool>()) continue;
      auto change = commit_change(commit, payload, branch);
      if (!change) return unexpected(change.error());
      change->set_category(tag ? "tag" : "push");
      out.changes.push_back(std::move(*change));
    }
  }
  // A tag, or a branch pushed without new commits: its head commit.
  const auto* head = field_at(payload, {"head_commit"});
  if (out.changes.empty() && head && head->is_object()) {
    auto change = commit_change(*head, payload, branch);
    if (!change) return unexpected(change.error());
    change->set_category(tag ? "tag" : "push");
    out.changes.push_back(std::move(*change));
  }
  if (out.changes.empty()) out.note = "no new commit on " + *ref;
  return out;
}

HookResult pull_request(const json& payload) {
  auto action = string_at(payload, {"action"});
  if (!action) return unexpected(bad("a pull_request event without its action"));
  const auto* pr = field_at(payload, {"pull_request"});
  if (!pr || !pr->is_object()) return unexpected(bad("a pull_request event without pull_request"));
  const auto* number = field_at(*pr, {"number"});
  if (!number || !number->is_number_unsigned()) number = field_at(payload, {"number"});
  if (!number || !number->is_number_unsigned()) {
    return unexpected(bad("a pull request without its number"));
  }
  HookChanges out;
  if (*action != "opened" && *action != "reopened" && *action != "synchronize") {
    out.note = "pull request action " + action->substr(0, 64) + ": no change";
    return out;
  }
  auto sha = string_at(*pr, {"head", "sha"});
  if (!sha || sha->empty()) return unexpected(bad("a pull request without head.sha"));
  const auto n = number->get<std::uint64_t>();
  events::ChangeAdded change;
  change.set_revision(*sha);
  change.set_branch("refs/pull/" + std::to_string(n) + "/merge");
  change.set_category("pull");
  change.set_who(text_at(payload, {"sender", "login"}));
  if (change.who().empty()) change.set_who(text_at(*pr, {"user", "login"}));
  const auto* commits = field_at(*pr, {"commits"});
  const auto count = commits && commits->is_number_unsigned() ? commits->get<std::uint64_t>() : 0;
  change.set_comments("GitHub Pull Request #" + std::to_string(n) + " (" + std::to_string(count) +
                      (count == 1 ? " commit)\n" : " commits)\n") + text_at(*pr, {"title"}) + "\n" +
                      text_at(*pr, {"body"}));
  auto when = when_of(*pr, {"updated_at"});
  if (!when) return unexpected(when.error());
  change.set_when_us(*when);
  change.set_revlink(text_at(*pr, {"html_url"}));
  change.set_repository(text_at(payload, {"repository", "html_url"}));
  change.set_project(text_at(*pr, {"base", "repo", "full_name"}));
  if (change.project().empty()) change.set_project(text_at(payload, {"repository", "full_name"}));
  add_property(change, "github.number", n);
  add_property(change, "github.head.sha", *sha);
  add_property(change, "github.head.ref", text_at(*pr, {"head", "ref"}));
  add_property(change, "github.head.repo.full_name", text_at(*pr, {"head", "repo", "full_name"}));
  add_property(change, "github.base.ref", text_at(*pr, {"base", "ref"}));
  add_property(change, "github.base.sha", text_at(*pr, {"base", "sha"}));
  add_property(change, "basename", text_at(*pr, {"base", "ref"}));
  add_property(change, "event", "pull_request");
  out.changes.push_back(std::move(change));
  return out;
}

}  // namespace

HookResult parse_github_hook(std::string_view event, std::string_view content_type,
                             std::string_view body, std::string_view query) {
  if (event.empty()) return unexpected(bad("no X-GitHub-Event header"));
  const auto type = media_type(content_type);
  json payload;
  if (type == "application/json") {
    payload = json::parse(body, nullptr, false);
  } else if (type == "application/x-www-form-urlencoded") {
    auto form = parse_form(body);
    if (!form) return unexpected(bad(form.error()));
    auto text = first_value(*form, "payload");
    if (!text) return unexpected(bad("a form without its payload field"));
    payload = json::parse(*text, nullptr, false);
  } else {
    return unexpected(HookError{415,
                                "GitHub's payloads are application/json or "
                                "application/x-www-form-urlencoded, not " +
                                    type.substr(0, 100)});
  }
  if (payload.is_discarded() || !payload.is_object()) {
    return unexpected(bad("the payload is not a JSON object"));
  }
  HookResult result = HookChanges{};
  if (event == "ping") {
    HookChanges pong;
    pong.note = "pong";
    return pong;
  } else if (event == "push") {
    result = push(payload);
  } else if (event == "pull_request") {
    result = pull_request(payload);
  } else {
    return unexpected(bad("the GitHub event \"" + std::string(event.substr(0, 64)) +
                          "\" is not one this hook reads (push, pull_request, ping)"));
  }
  if (!result) return result;
  if (auto applied = apply_query(query, result->changes); !applied) {
    return unexpected(applied.error());
  }
  return result;
}

}  // namespace eventbot::gateway::hooks
