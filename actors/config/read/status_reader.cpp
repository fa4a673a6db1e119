// status: the status targets. `mail` (MailNotifier) and `http_push` (HttpStatusPush)
// are typed here key by key; the other types keep their parameters as JSON text until
// their own issues type them (checkconfig warns that they report nothing yet).
#include <set>

#include "actors/config/read/sections.hpp"
#include "actors/config/read/value_formats.hpp"
#include "actors/status/irc/irc_line.hpp"
#include "actors/status/irc/notify_events.hpp"
#include "actors/status/template_keys.hpp"
#include "events/event_type.hpp"

namespace eventbot::config::detail {
namespace {

const std::vector<std::string> kStatusTypes = {"mail",          "irc",           "http_push",
                                               "github_status", "gitlab_status", "gerrit_status"};

const std::vector<std::string> kMailModes = {"all",     "failing", "warnings",
                                             "passing", "problem", "change"};

// MailNotifier keys read and checked, but not acted on yet.
const std::vector<std::string> kMailLaterKeys = {"add_logs",          "add_patch",
                                                 "build_set_summary", "extra_headers",
                                                 "notify_on_missing", "missing_timeout"};

const std::vector<std::string> kMailKeys = {"type",
                                            "name",
                                            "mode",
                                            "builders",
                                            "categories",
                                            "fromaddr",
                                            "extra_recipients",
                                            "send_to_interested_users",
                                            "lookup",
                                            "subject",
                                            "body",
                                            "body_type",
                                            "relay_host",
                                            "relay_port",
                                            "smtp_tls",
                                            "smtp_user",
                                            "smtp_password_file",
                                            "smtp_password_env",
                                            "retry_initial",
                                            "retry_max",
                                            "add_logs",
                                            "add_patch",
                                            "build_set_summary",
                                            "extra_headers",
                                            "notify_on_missing",
                                            "missing_timeout"};

const std::vector<std::string> kHttpPushKeys = {
    "type",         "name",    "url",           "events",       "builders",
    "batch_size",   "user",    "password_file", "password_env", "headers",
    "header_files", "timeout", "retry_initial", "retry_max"};

const std::vector<std::string> kIrcKeys = {"type",
                                           "name",
                                           "host",
                                           "port",
                                           "nick",
                                           "channels",
                                           "password_file",
                                           "password_env",
                                           "notify_events",
                                           "categories",
                                           "allow_force",
                                           "use_colors",
                                           "notice_on_channel",
                                           "use_revisions",
                                           "lost_delay",
                                           "failed_delay",
                                           "use_ssl"};

// A list of strings (or one string), each element checked by check(its Value, its text).
template <class Check>
std::optional<std::vector<std::string>> checked_strings(const Value& value, Check check) {
  auto list = value.string_list();
  if (!list) return list;
  std::vector<Value> each = value.is_list() ? value.elements() : std::vector<Value>{value};
  for (std::size_t i = 0; i < each.size() && i < list->size(); ++i) check(each[i], (*list)[i]);
  return list;
}

void check_address(const Value& value, const std::string& text) {
  if (!looks_like_mail_address(text)) value.error("\"" + text + "\" is not a mail address");
}

// Each %(key)s of `text` must be one of the documented template keys (or prop:NAME).
void check_template(const Value& value, const std::string& text) {
  for (std::size_t at = text.find("%("); at != std::string::npos; at = text.find("%(", at + 2)) {
    auto close = text.find(")s", at + 2);
    if (close == std::string::npos) {
      value.error("\"%(\" at offset " + std::to_string(at) + " is not closed by \")s\"");
      return;
    }
    std::string key = text.substr(at + 2, close - at - 2);
    if (key.rfind(status::kPropertyPrefix, 0) == 0 && key.size() > status::kPropertyPrefix.size())
      continue;
    bool known = false;
    for (auto candidate : status::kMailTemplateKeys) known = known || candidate == key;
    if (!known) {
      std::string list;
      for (auto candidate : status::kMailTemplateKeys) {
        list += (list.empty() ? "" : ", ") + std::string(candidate);
      }
      value.error("unknown template key \"" + key + "\" (known: " + list + ", prop:NAME)");
    }
  }
}

// Where a secret comes from: `<prefix>_file` or `<prefix>_env`, at most one.
void read_secret_source(const MapReader& reader, const std::string& prefix, PasswordSource& from) {
  Value file = reader.get(prefix + "_file");
  Value env = reader.get(prefix + "_env");
  if (file.present() && env.present()) {
    env.error("give one of \"" + prefix + "_file\" and \"" + prefix + "_env\", not both");
    return;
  }
  if (auto text = file.non_empty_string()) from.file = *text;
  if (auto text = env.non_empty_string()) from.env = *text;
}

void read_retry(const MapReader& reader, RetryBackoff& retry) {
  if (auto seconds = reader.get("retry_initial").duration(1)) retry.initial = *seconds;
  if (auto seconds = reader.get("retry_max").duration(1)) retry.max = *seconds;
  if (retry.max < retry.initial) {
    reader.get("retry_max")
        .error("must be at least retry_initial (" + std::to_string(retry.initial) + "s)");
  }
}

MailTargetConfig read_mail(const MapReader& reader, NameTable& names,
                           std::vector<std::string>& unsupported) {
  MailTargetConfig mail;
  if (auto mode = reader.get("mode").choice(kMailModes, "mail mode")) {
    static const std::map<std::string, MailMode> kModes = {
        {"all", MailMode::all},           {"failing", MailMode::failing},
        {"warnings", MailMode::warnings}, {"passing", MailMode::passing},
        {"problem", MailMode::problem},   {"change", MailMode::change}};
    mail.mode = kModes.at(*mode);
  }
  Value builders = reader.get("builders");
  Value categories = reader.get("categories");
  if (builders.present() && categories.present()) {
    categories.error("give \"builders\" or \"categories\", not both (as MailNotifier)");
  }
  if (auto list = read_references(builders, NameKind::builder, names)) mail.builders = *list;
  if (auto list = categories.string_list()) mail.categories = *list;
  Value from = reader.required("fromaddr");
  if (auto text = from.non_empty_string()) {
    check_address(from, *text);
    mail.fromaddr = *text;
  }
  if (auto list = checked_strings(reader.get("extra_recipients"), check_address)) {
    mail.extra_recipients = *list;
  }
  if (auto flag = reader.get("send_to_interested_users").boolean()) {
    mail.send_to_interested_users = *flag;
  }
  Value lookup = reader.get("lookup");
  if (lookup.is_map()) {
    if (auto table = lookup.string_map()) {
      for (const auto& [user, address] : *table) {
        if (!looks_like_mail_address(address)) {
          lookup.error("lookup." + user + ": \"" + address + "\" is not a mail address");
        }
      }
      mail.lookup_table = *table;
    }
  } else if (auto domain = lookup.non_empty_string()) {
    if (domain->find('@') != std::string::npos || domain->find(' ') != std::string::npos) {
      lookup.error("must be a mail domain (\"example.org\") or a map of names to addresses");
    } else {
      mail.lookup_domain = *domain;
    }
  }
  Value subject = reader.get("subject");
  if (auto text = subject.string()) {
    check_template(subject, *text);
    mail.subject = *text;
  }
  Value body = reader.get("body");
  if (auto text = body.string()) {
    check_template(body, *text);
    mail.body = *text;
  }
  if (auto type = reader.get("body_type").choice({"plain", "html"}, "body type")) {
    mail.html = *type == "html";
  }
  if (auto host = reader.get("relay_host").non_empty_string()) mail.relay_host = *host;
  if (auto port = reader.get("relay_port").integer(1, 65535)) {
    mail.relay_port = static_cast<int>(*port);
  }
  if (auto tls = reader.get("smtp_tls").choice({"none", "starttls", "tls"}, "SMTP security")) {
    mail.security = *tls == "tls"        ? SmtpSecurity::tls
                    : *tls == "starttls" ? SmtpSecurity::starttls
                                         : SmtpSecurity::none;
  }
  if (auto user = reader.get("smtp_user").non_empty_string()) mail.smtp_user = *user;
  read_secret_source(reader, "smtp_password", mail.smtp_password_from);
  if (!mail.smtp_password_from.empty() && mail.smtp_user.empty()) {
    reader.self().error("\"smtp_password_file\"/\"smtp_password_env\" needs \"smtp_user\"");
  }
  read_retry(reader, mail.retry);
  for (const auto& key : kMailLaterKeys) {
    if (reader.has(key)) unsupported.push_back(key);
  }
  return mail;
}

HttpPushTargetConfig read_http_push(const MapReader& reader, NameTable& names) {
  HttpPushTargetConfig push;
  Value url = reader.required("url");
  if (auto text = url.non_empty_string()) {
    if (text->rfind("http://", 0) != 0 && text->rfind("https://", 0) != 0) {
      url.error("must be an http:// or https:// URL");
    } else if (text->find('@') != std::string::npos &&
               text->find('@') < text->find('/', text->find("//") + 2)) {
      url.error("must not hold credentials: give \"user\" and \"password_file\"");
    } else {
      push.url = *text;
    }
  }
  auto known = events::all_type_names();
  std::set<std::string> names_known(known.begin(), known.end());
  auto event_type = [&](const Value& value, const std::string& text) {
    if (!names_known.count(text)) {
      value.error("\"" + text + "\" is not an event type (\"BuildFinished\", ...)");
    }
  };
  if (auto list = checked_strings(reader.get("events"), event_type)) push.events = *list;
  if (auto list = read_references(reader.get("builders"), NameKind::builder, names)) {
    push.builders = *list;
  }
  if (auto n = reader.get("batch_size").integer(1, 10000)) push.batch_size = static_cast<int>(*n);
  if (auto user = reader.get("user").non_empty_string()) push.user = *user;
  read_secret_source(reader, "password", push.password_from);
  if (!push.password_from.empty() && push.user.empty()) {
    reader.self().error("\"password_file\"/\"password_env\" needs \"user\"");
  }
  if (auto headers = reader.get("headers").string_map()) push.headers = *headers;
  if (auto files = reader.get("header_files").string_map()) push.header_files = *files;
  if (auto seconds = reader.get("timeout").duration(1)) push.timeout = *seconds;
  read_retry(reader, push.retry);
  return push;
}

IrcTargetConfig read_irc(const MapReader& reader, std::vector<std::string>& unsupported) {
  IrcTargetConfig irc;
  if (auto host = reader.required("host").non_empty_string()) irc.host = *host;
  if (auto port = reader.get("port").integer(1, 65535)) irc.port = static_cast<int>(*port);
  Value nick = reader.required("nick");
  if (auto text = nick.non_empty_string()) {
    if (text->find_first_of(" ,*?!@#:") != std::string::npos) {
      nick.error("\"" + *text + "\" is not an IRC nick");
    } else {
      irc.nick = *text;
    }
  }
  auto channel = [](const Value& value, const std::string& text) {
    if (!status::irc::is_channel(text) || text.find_first_of(" ,") != std::string::npos) {
      value.error("\"" + text + "\" is not a channel (\"#name\")");
    }
  };
  if (auto list = checked_strings(reader.get("channels"), channel)) irc.channels = *list;
  read_secret_source(reader, "password", irc.password_from);
  auto event = [](const Value& value, const std::string& text) {
    if (!status::irc::is_notify_event(text)) {
      value.error("\"" + text +
                  "\" is not a notify event (started, finished, success, warnings, failure, "
                  "exception, or xToY such as successToFailure)");
    }
  };
  if (auto list = checked_strings(reader.get("notify_events"), event)) irc.notify_events = *list;
  if (auto list = reader.get("categories").string_list()) irc.categories = *list;
  if (auto flag = reader.get("allow_force").boolean()) irc.allow_force = *flag;
  if (auto flag = reader.get("use_colors").boolean()) irc.use_colors = *flag;
  if (auto flag = reader.get("notice_on_channel").boolean()) irc.notice_on_channel = *flag;
  if (auto flag = reader.get("use_revisions").boolean()) irc.use_revisions = *flag;
  if (auto seconds = reader.get("lost_delay").duration(1)) irc.lost_delay = *seconds;
  if (auto seconds = reader.get("failed_delay").duration(1)) irc.failed_delay = *seconds;
  if (irc.failed_delay < irc.lost_delay) {
    reader.get("failed_delay")
        .error("must be at least lost_delay (" + std::to_string(irc.lost_delay) + "s)");
  }
  if (reader.has("use_ssl")) unsupported.push_back("use_ssl");
  return irc;
}

std::optional<StatusTargetConfig> read_status_target(const Value& element, NameTable& names) {
  // The keys are checked once the type is known.
  auto first = read_map_element(element, KeyRules::any());
  if (!first) return std::nullopt;
  StatusTargetConfig target;
  auto type = first->required("type").choice(kStatusTypes, "status target type");
  if (!type) return std::nullopt;
  target.type = *type;
  Value name = first->get("name");
  auto text = name.non_empty_string();
  target.name = text ? *text : target.type;
  names.define(NameKind::status_target, target.name, name.present() ? name : element);
  if (target.type == "mail") {
    MapReader reader(element, KeyRules::only(kMailKeys));
    target.mail = read_mail(reader, names, target.unsupported_keys);
    return target;
  }
  if (target.type == "irc") {
    MapReader reader(element, KeyRules::only(kIrcKeys));
    target.irc = read_irc(reader, target.unsupported_keys);
    return target;
  }
  if (target.type == "http_push") {
    MapReader reader(element, KeyRules::only(kHttpPushKeys));
    target.http_push = read_http_push(reader, names);
    return target;
  }
  for (const auto& entry : first->entries()) {
    if (entry.key == "type" || entry.key == "name") continue;
    if (auto json = entry.value.json_text()) target.params[entry.key] = *json;
  }
  return target;
}

}  // namespace

std::vector<StatusTargetConfig> read_status_targets(const Value& list, NameTable& names) {
  std::vector<StatusTargetConfig> targets;
  for (const Value& element : list.elements()) {
    if (auto target = read_status_target(element, names)) targets.push_back(std::move(*target));
  }
  return targets;
}

}  // namespace eventbot::config::detail
