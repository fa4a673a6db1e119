// web: the gateway's port, its users, who may do what (Buildbot's Authz), change hooks.
#include "actors/auth/credentials.hpp"
#include "actors/config/read/sections.hpp"
#include "actors/config/read/value_formats.hpp"

namespace eventbot::config::detail {
namespace {

// Buildbot's Authz actions, spelt as master.yaml spells keys.
const std::vector<std::string> kWebActions = {
    "force_build",    "force_all_builds", "ping_builder",         "graceful_shutdown",
    "stop_build",     "stop_all_builds",  "cancel_pending_build", "stop_change",
    "clean_shutdown", "show_users_page",
    "view",     // reading /api/v2 and the live updates (anyone when not set)
    "metrics",  // reading /metrics (anyone when not set)
};

const std::vector<std::string> kChangeHookDialects = {"base", "github", "gitlab"};

std::optional<WebUser> read_user(const Value& element, NameTable& names) {
  auto reader = read_map_element(
      element, KeyRules::only({"name", "password", "password_hash", "password_file", "password_env",
                               "port_password_hash", "roles", "email"}));
  if (!reader) return std::nullopt;
  WebUser user;
  Value name = reader->required("name");
  if (auto text = name.non_empty_string()) {
    user.name = *text;
    names.define(NameKind::web_user, user.name, name);
  }
  read_credentials(*reader, user.password, user.password_hash, user.password_from,
                   /*web_user=*/true);
  Value port_hash = reader->get("port_password_hash");
  if (auto text = port_hash.string()) {
    // The old sha256 form logs in over the port too (and is what replay puts back for a
    // redacted hash).
    auto kind = auth::hash_kind(*text);
    if (kind == auth::HashKind::scram || kind == auth::HashKind::sha256) {
      user.port_password_hash = *text;
    } else {
      port_hash.error(
          "must be the \"SCRAM-SHA-256$...\" line `eventbot hash-password --web NAME` "
          "prints");
    }
  }
  if (auto roles = reader->get("roles").string_list()) user.roles = *roles;
  Value email = reader->get("email");
  if (auto text = email.string()) {
    if (looks_like_mail_address(*text)) {
      user.email = *text;
    } else {
      email.error("\"" + *text + "\" is not a mail address");
    }
  }
  return user;
}

// true/"anyone", false/"nobody", "authenticated" (Buildbot's 'auth'), or a list of roles.
std::optional<AccessRule> read_access_rule(const Value& value) {
  AccessRule rule;
  if (value.is_list()) {
    auto roles = value.string_list();
    if (!roles) return std::nullopt;
    rule.who = AccessRule::Who::roles;
    rule.roles = *roles;
    return rule;
  }
  auto word = value.string();
  if (!word) return std::nullopt;
  if (*word == "true" || *word == "anyone") {
    rule.who = AccessRule::Who::anyone;
  } else if (*word == "false" || *word == "nobody") {
    rule.who = AccessRule::Who::nobody;
  } else if (*word == "authenticated" || *word == "auth") {
    rule.who = AccessRule::Who::authenticated;
  } else {
    value.error("expected anyone, nobody, authenticated or a list of roles, got \"" + *word + "\"");
    return std::nullopt;
  }
  return rule;
}

// A hook's options: github's secret (the HMAC key: no hash can stand for it), gitlab's
// token (or its hash, "sha256:" and 64 hex digits), either from a file or the
// environment (config::resolve_passwords reads them); the base hook takes none.
void check_change_hook_options(const std::string& dialect, const Value& options) {
  std::vector<std::string> keys;
  if (dialect == "github") keys = {"secret", "secret_file", "secret_env"};
  if (dialect == "gitlab") keys = {"secret", "secret_hash", "secret_file", "secret_env"};
  MapReader reader(options, KeyRules::only(keys));
  const Value* given = nullptr;
  std::vector<Value> values;
  for (const auto& key : keys) values.push_back(reader.get(key));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Value& value = values[i];
    if (!value.present()) continue;
    if (given) {
      value.error("give one of " +
                  std::string(dialect == "gitlab" ? "secret, secret_hash, " : "secret, ") +
                  "secret_file and secret_env, not several");
      return;
    }
    given = &value;
    auto text = value.non_empty_string();
    if (!text) continue;
    if (keys[i] == "secret_hash" &&
        (!text->starts_with("sha256:") || text->size() != 71 ||
         text->find_first_not_of("0123456789abcdefABCDEF", 7) != std::string::npos)) {
      value.error(
          "must be \"sha256:\" and the 64 hex digits of the token's SHA-256 "
          "(printf %s TOKEN | sha256sum)");
    }
  }
}

}  // namespace

WebConfig read_web(const Value& section, NameTable& names) {
  WebConfig web;
  web.enabled = section.present();
  MapReader reader(section, KeyRules::only({"port", "bind", "users", "authz", "change_hooks"}));
  if (auto port = reader.get("port").integer(0, 65535)) web.port = static_cast<int>(*port);
  if (auto bind = reader.get("bind").non_empty_string()) web.bind = *bind;
  for (const Value& element : reader.get("users").elements()) {
    if (auto user = read_user(element, names)) web.users.push_back(std::move(*user));
  }
  MapReader authz(reader.get("authz"), KeyRules::only(kWebActions));
  for (const auto& entry : authz.entries()) {
    if (auto rule = read_access_rule(entry.value)) web.authz[entry.key] = *rule;
  }
  MapReader hooks(reader.get("change_hooks"), KeyRules::only(kChangeHookDialects));
  for (const auto& entry : hooks.entries()) {
    if (entry.value.is_map()) {
      check_change_hook_options(entry.key, entry.value);
      if (auto options = entry.value.json_text()) web.change_hooks[entry.key] = *options;
    } else if (auto enabled = entry.value.boolean(); enabled && *enabled) {
      web.change_hooks[entry.key] = "{}";
    }
  }
  return web;
}

}  // namespace eventbot::config::detail
