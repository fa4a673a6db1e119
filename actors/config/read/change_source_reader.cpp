// change_sources: sendchange (Buildbot's PBChangeSource) and git_poller (GitPoller).
#include "actors/config/read/sections.hpp"
#include "common/url_credentials.hpp"

namespace eventbot::config::detail {
namespace {

const std::vector<std::string> kCommonKeys = {"type", "name"};
const std::vector<std::string> kSendchangeKeys = {"user",          "password",     "password_hash",
                                                  "password_file", "password_env", "prefix"};
const std::vector<std::string> kGitPollerKeys = {
    "repository", "branches", "poll_interval", "project", "category", "repository_name", "workdir"};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

KeyRules rules_for(const std::string& type) {
  const bool sendchange = type == "sendchange";
  KeyRules rules =
      KeyRules::only(concat(kCommonKeys, sendchange ? kSendchangeKeys : kGitPollerKeys));
  rules.of_other_types = sendchange ? kGitPollerKeys : kSendchangeKeys;
  rules.this_type = type + " change sources";
  return rules;
}

void read_sendchange(const MapReader& reader, ChangeSourceConfig& source) {
  source.name = "sendchange";
  if (auto user = reader.get("user").non_empty_string()) {
    source.user = *user;
  } else {
    source.user = "change";  // the manual's default, as `sendchange --auth` assumes
  }
  read_credentials(reader, source.password, source.password_hash, source.password_from);
  if (auto prefix = reader.get("prefix").string()) source.prefix = *prefix;
}

void read_git_poller(const MapReader& reader, ChangeSourceConfig& source) {
  if (auto repository = reader.required("repository").non_empty_string()) {
    source.repository = *repository;
    // The name is shown and recorded everywhere (master.log, stream names, changes'
    // `source`): never with the URL's credentials.
    source.name = redact_url_credentials(*repository);
  }
  Value branches = reader.get("branches");
  if (branches.is_scalar() && branches.node().Scalar() == "all") {
    source.all_branches = true;
  } else if (auto list = branches.string_list()) {
    if (list->empty()) branches.error("names no branch; leave it out for [master], or write all");
    source.branches = *list;
  }
  if (auto seconds = reader.get("poll_interval").duration(1)) source.poll_interval = *seconds;
  if (auto project = reader.get("project").string()) source.project = *project;
  if (auto category = reader.get("category").string()) source.category = *category;
  if (auto name = reader.get("repository_name").string()) source.repository_name = *name;
  if (auto workdir = reader.get("workdir").non_empty_string()) source.workdir = *workdir;
}

std::optional<ChangeSourceConfig> read_change_source(const Value& element, NameTable& names) {
  if (!element.is_map()) {
    read_map_element(element, {});  // reports what it is instead
    return std::nullopt;
  }
  // The type decides which keys belong, so read it before the rest.
  MapReader untyped(element, KeyRules::any());
  auto type = untyped.required("type").choice({"sendchange", "git_poller"}, "change source type");
  if (!type) {
    // Still report keys no change source knows.
    MapReader any_type(
        element, KeyRules::only(concat(concat(kCommonKeys, kSendchangeKeys), kGitPollerKeys)));
    return std::nullopt;
  }
  MapReader reader(element, rules_for(*type));
  ChangeSourceConfig source;
  if (*type == "sendchange") {
    source.type = ChangeSourceType::sendchange;
    read_sendchange(reader, source);
  } else {
    source.type = ChangeSourceType::git_poller;
    read_git_poller(reader, source);
  }
  Value name = reader.get("name");
  if (auto text = name.non_empty_string()) source.name = *text;
  if (!source.name.empty()) {
    names.define(NameKind::change_source, source.name, name.present() ? name : element);
  }
  return source;
}

}  // namespace

std::vector<ChangeSourceConfig> read_change_sources(const Value& list, NameTable& names) {
  std::vector<ChangeSourceConfig> sources;
  for (const Value& element : list.elements()) {
    if (auto source = read_change_source(element, names)) sources.push_back(std::move(*source));
  }
  return sources;
}

}  // namespace eventbot::config::detail
