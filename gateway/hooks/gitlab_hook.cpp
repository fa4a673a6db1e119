#include "gateway/hooks/gitlab_hook.hpp"

#include "gateway/hooks/form_fields.hpp"
#include "gateway/hooks/payload_fields.hpp"
#include "gateway/hooks/timestamps.hpp"

namespace eventbot::gateway::hooks {
namespace {

using nlohmann::json;

HookError bad(std::string message) {
  return HookError{400, std::move(message)};
}

Expected<std::int64_t, HookError> when_of(const json& object,
                                          std::initializer_list<std::string_view> path) {
  auto text = string_at(object, path);
  if (!text) return std::int64_t{0};
  auto when = parse_timestamp_us(*text);
  if (!when) return unexpected(bad("\"" + text->substr(0, 64) + "\" is not an ISO 8601 time"));
  return *when;
}

// GitLab's all-zero revision: the ref was created (before) or deleted (after).
bool is_null_revision(const std::string& revision) {
  return !revision.empty() && revision.find_first_not_of('0') == std::string::npos;
}

std::string repository_of(const json& payload) {
  auto url = text_at(payload, {"repository", "url"});
  if (url.empty()) url = text_at(payload, {"project", "git_ssh_url"});
  return url;
}

std::string project_of(const json& payload) {
  auto name = text_at(payload, {"project", "path_with_namespace"});
  if (name.empty()) name = text_at(payload, {"repository", "name"});
  return name;
}

HookResult push(const json& payload) {
  auto ref = string_at(payload, {"ref"});
  if (!ref || ref->empty()) return unexpected(bad("a push event without its ref"));
  HookChanges out;
  if (!string_at(payload, {"checkout_sha"}) || is_null_revision(text_at(payload, {"after"}))) {
    out.note = "the ref " + *ref + " was deleted: no change";
    return out;
  }
  const auto* commits = field_at(payload, {"commits"});
  if (!commits || !commits->is_array()) return unexpected(bad("a push event without its commits"));
  if (commits->size() > kMaxChangesPerHook) {
    return unexpected(bad("more than " + std::to_string(kMaxChangesPerHook) + " commits"));
  }
  for (const auto& commit : *commits) {
    if (!commit.is_object()) return unexpected(bad("a commit is not a JSON object"));
    auto id = string_at(commit, {"id"});
    if (!id || id->empty()) return unexpected(bad("a commit has no id"));
    events::ChangeAdded change;
    change.set_revision(*id);
    change.set_who(
        person(text_at(commit, {"author", "name"}), text_at(commit, {"author", "email"})));
    change.set_comments(text_at(commit, {"message"}));
    for (std::string_view list : {"added", "modified", "removed"}) {
      for (auto& file : strings_at(commit, {list})) change.add_files(std::move(file));
    }
    auto when = when_of(commit, {"timestamp"});
    if (!when) return unexpected(when.error());
    change.set_when_us(*when);
    change.set_branch(branch_of_ref(*ref));
    change.set_category("push");
    change.set_revlink(text_at(commit, {"url"}));
    change.set_repository(repository_of(payload));
    change.set_project(project_of(payload));
    add_property(change, "event", "push");
    out.changes.push_back(std::move(change));
  }
  if (out.changes.empty()) out.note = "no commit in the push to " + *ref;
  return out;
}

HookResult tag_push(const json& payload) {
  auto ref = string_at(payload, {"ref"});
  if (!ref || ref->empty()) return unexpected(bad("a tag push event without its ref"));
  HookChanges out;
  auto sha = string_at(payload, {"checkout_sha"});
  if (!sha || sha->empty() || is_null_revision(text_at(payload, {"after"}))) {
    out.note = "the tag " + *ref + " was deleted: no change";
    return out;
  }
  events::ChangeAdded change;
  change.set_revision(*sha);
  change.set_who(person(text_at(payload, {"user_name"}), text_at(payload, {"user_email"})));
  if (change.who().empty()) change.set_who(text_at(payload, {"user_username"}));
  const auto tag = branch_of_ref(*ref);
  change.set_branch(tag);
  change.set_category("tag");
  change.set_comments(text_at(payload, {"message"}));
  if (change.comments().empty()) change.set_comments("tag " + tag);
  // The tagged commit, when the payload lists it.
  if (const auto* commits = field_at(payload, {"commits"}); commits && commits->is_array()) {
    for (const auto& commit : *commits) {
      if (text_at(commit, {"id"}) != *sha) continue;
      auto when = when_of(commit, {"timestamp"});
      if (!when) return unexpected(when.error());
      change.set_when_us(*when);
      change.set_revlink(text_at(commit, {"url"}));
    }
  }
  change.set_repository(repository_of(payload));
  change.set_project(project_of(payload));
  add_property(change, "event", "tag_push");
  out.changes.push_back(std::move(change));
  return out;
}

HookResult merge_request(const json& payload) {
  const auto* attrs = field_at(payload, {"object_attributes"});
  if (!attrs || !attrs->is_object()) {
    return unexpected(bad("a merge request event without object_attributes"));
  }
  HookChanges out;
  const auto action = text_at(*attrs, {"action"});
  const auto state = text_at(*attrs, {"state"});
  if (state != "opened" && state != "reopened") {
    out.note = "merge request " + state.substr(0, 64) + ": no change";
    return out;
  }
  // An update without "oldrev" changed the title, labels, ...: not the code.
  if (action == "update" && !field_at(*attrs, {"oldrev"})) {
    out.note = "merge request updated without new commits: no change";
    return out;
  }
  if (action != "open" && action != "reopen" && action != "update") {
    out.note = "merge request action " + action.substr(0, 64) + ": no change";
    return out;
  }
  const auto* commit = field_at(*attrs, {"last_commit"});
  auto sha = commit ? string_at(*commit, {"id"}) : std::nullopt;
  if (!sha || sha->empty()) return unexpected(bad("a merge request without last_commit.id"));
  const auto* iid = field_at(*attrs, {"iid"});
  if (!iid || !iid->is_number_unsigned()) return unexpected(bad("a merge request without iid"));
  events::ChangeAdded change;
  change.set_revision(*sha);
  change.set_who(
      person(text_at(*commit, {"author", "name"}), text_at(*commit, {"author", "email"})));
  if (change.who().empty()) change.set_who(text_at(payload, {"user", "username"}));
  change.set_comments("MR#" + std::to_string(iid->get<std::uint64_t>()) + ": " +
                      text_at(*attrs, {"title"}) + "\n\n" + text_at(*attrs, {"description"}));
  auto when = when_of(*commit, {"timestamp"});
  if (!when) return unexpected(when.error());
  change.set_when_us(*when);
  change.set_branch(text_at(*attrs, {"target_branch"}));
  change.set_category("merge_request");
  change.set_revlink(text_at(*attrs, {"url"}));
  change.set_repository(text_at(*attrs, {"target", "git_ssh_url"}));
  change.set_project(text_at(*attrs, {"target", "path_with_namespace"}));
  if (change.project().empty()) change.set_project(text_at(*attrs, {"target", "name"}));
  add_property(change, "source_branch", text_at(*attrs, {"source_branch"}));
  // The http URLs: what the default validation patterns allow in a property value.
  add_property(change, "source_repository", text_at(*attrs, {"source", "git_http_url"}));
  add_property(change, "target_branch", text_at(*attrs, {"target_branch"}));
  add_property(change, "target_repository", text_at(*attrs, {"target", "git_http_url"}));
  add_property(change, "gitlab.mr", *iid);
  add_property(change, "event", "merge_request");
  out.changes.push_back(std::move(change));
  return out;
}

}  // namespace

HookResult parse_gitlab_hook(std::string_view body, std::string_view query) {
  json payload = json::parse(body, nullptr, false);
  if (payload.is_discarded() || !payload.is_object()) {
    return unexpected(bad("the payload is not a JSON object"));
  }
  auto kind = string_at(payload, {"object_kind"});
  if (!kind) return unexpected(bad("a payload without object_kind"));
  HookResult result = HookChanges{};
  if (*kind == "push") {
    result = push(payload);
  } else if (*kind == "tag_push") {
    result = tag_push(payload);
  } else if (*kind == "merge_request") {
    result = merge_request(payload);
  } else {
    HookChanges none;
    none.note = "GitLab's " + kind->substr(0, 64) + " events make no change";
    return none;
  }
  if (!result) return result;
  auto fields = parse_form(query);
  if (!fields) return unexpected(bad(fields.error()));
  auto project = first_value(*fields, "project");
  auto codebase = first_value(*fields, "codebase");
  for (auto& change : result->changes) {
    if (project) change.set_project(*project);
    if (codebase) change.set_codebase(*codebase);
  }
  return result;
}

}  // namespace eventbot::gateway::hooks
