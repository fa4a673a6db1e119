// status: the typed mail and http_push targets, their errors with positions, the
// secrets read from files, and the warnings for what reports nothing yet.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "actors/config/checkconfig.hpp"
#include "actors/config/passwords.hpp"
#include "actors/config/status_warnings.hpp"
#include "tests/config/config_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::config {
namespace {

using testing::errors_of;

constexpr std::string_view kBase = R"(slaves:
  - {name: s1, password: pass}
builders:
  - {name: runtests, slaves: [s1], category: tests}
)";

std::string with_base(std::string_view rest) {
  return std::string(kBase) + std::string(rest);
}

TEST(StatusConfig, ReadsEveryMailKey) {
  auto yaml = with_base(R"Y(status:
  - type: mail
    name: team
    mode: problem
    builders: [runtests]
    fromaddr: ci@example.org
    extra_recipients: [dev@example.org, qa@example.org]
    send_to_interested_users: false
    lookup: example.org
    subject: "%(result)s on %(builder)s #%(number)s (%(prop:got_revision)s)"
    body: "%(blamelist)s"
    body_type: html
    relay_host: smtp.example.org
    relay_port: 587
    smtp_tls: starttls
    smtp_user: ci
    smtp_password_file: smtp.pass
    retry_initial: 2s
    retry_max: 1m
)Y");
  auto result = load_config_string(yaml, "master.yaml");
  ASSERT_TRUE(result) << ::testing::PrintToString(errors_of(yaml));
  ASSERT_EQ(result->status.size(), 1u);
  const auto& target = result->status[0];
  EXPECT_EQ(target.name, "team");
  ASSERT_TRUE(target.mail);
  const auto& mail = *target.mail;
  EXPECT_EQ(mail.mode, MailMode::problem);
  EXPECT_EQ(mail.builders, std::vector<std::string>{"runtests"});
  EXPECT_EQ(mail.fromaddr, "ci@example.org");
  EXPECT_EQ(mail.extra_recipients, (std::vector<std::string>{"dev@example.org", "qa@example.org"}));
  EXPECT_FALSE(mail.send_to_interested_users);
  EXPECT_EQ(mail.lookup_domain, "example.org");
  EXPECT_TRUE(mail.html);
  EXPECT_EQ(mail.relay_host, "smtp.example.org");
  EXPECT_EQ(mail.relay_port, 587);
  EXPECT_EQ(mail.security, SmtpSecurity::starttls);
  EXPECT_EQ(mail.smtp_user, "ci");
  EXPECT_EQ(mail.smtp_password_from.file, "smtp.pass");
  EXPECT_TRUE(mail.smtp_password.empty());  // read by resolve_passwords
  EXPECT_EQ(mail.retry.initial, 2);
  EXPECT_EQ(mail.retry.max, 60);
  EXPECT_FALSE(target.http_push);
  EXPECT_TRUE(target.unsupported_keys.empty());
}

TEST(StatusConfig, MailDefaultsAreTheManuals) {
  auto result = load_config_string(with_base("status: [{type: mail, fromaddr: ci@example.org}]\n"),
                                   "master.yaml");
  ASSERT_TRUE(result);
  const auto& mail = *result->status[0].mail;
  EXPECT_EQ(mail.mode, MailMode::all);
  EXPECT_TRUE(mail.send_to_interested_users);
  EXPECT_EQ(mail.relay_host, "localhost");
  EXPECT_EQ(mail.relay_port, 25);
  EXPECT_EQ(mail.security, SmtpSecurity::none);
}

TEST(StatusConfig, ReadsALookupTable) {
  auto result = load_config_string(
      with_base("status: [{type: mail, fromaddr: ci@example.org, lookup: {ann: ann@x.org}}]\n"),
      "master.yaml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status[0].mail->lookup_table,
            (std::map<std::string, std::string>{{"ann", "ann@x.org"}}));
}

TEST(StatusConfig, ReadsEveryHttpPushKey) {
  auto yaml = with_base(R"(status:
  - type: http_push
    name: dashboard
    url: http://127.0.0.1:9000/events
    events: [BuildStarted, BuildFinished]
    builders: runtests
    batch_size: 10
    user: ci
    password_env: PUSH_PASSWORD
    headers: {X-Source: eventbot}
    header_files: {X-Token: token.txt}
    timeout: 5s
)");
  auto result = load_config_string(yaml, "master.yaml");
  ASSERT_TRUE(result) << ::testing::PrintToString(errors_of(yaml));
  const auto& push = *result->status[0].http_push;
  EXPECT_EQ(push.url, "http://127.0.0.1:9000/events");
  EXPECT_EQ(push.events, (std::vector<std::string>{"BuildStarted", "BuildFinished"}));
  EXPECT_EQ(push.builders, std::vector<std::string>{"runtests"});
  EXPECT_EQ(push.batch_size, 10);
  EXPECT_EQ(push.user, "ci");
  EXPECT_EQ(push.password_from.env, "PUSH_PASSWORD");
  EXPECT_EQ(push.headers.at("X-Source"), "eventbot");
  EXPECT_EQ(push.header_files.at("X-Token"), "token.txt");
  EXPECT_EQ(push.timeout, 5);
}

TEST(StatusConfig, ErrorsNameFileLineAndColumn) {
  auto yaml = with_base(R"(status:
  - {type: mail, fromaddr: not-an-address, mode: sometimes}
  - {type: mail, fromaddr: a@b.org, builders: [nosuch], subject: "%(bulder)s"}
  - {type: mail, fromaddr: a@b.org, builders: [runtests], categories: [x], relay_prot: 25}
  - {type: http_push, url: "ftp://x", events: [BuildFinish], batch_size: 0}
  - {type: http_push, url: "http://u:p@host/", password_file: p}
)");
  auto errors = errors_of(yaml);
  std::ostringstream all;
  for (const auto& e : errors) all << e << "\n";
  const std::string text = all.str();
  EXPECT_NE(
      text.find("master.yaml:6:28: status[0].fromaddr: \"not-an-address\" is not a mail address"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("master.yaml:6:50: status[0].mode:"), std::string::npos) << text;
  EXPECT_NE(text.find("master.yaml:7:48: status[1].builders[0]:"), std::string::npos) << text;
  EXPECT_NE(text.find("unknown template key \"bulder\""), std::string::npos) << text;
  EXPECT_NE(text.find("status[2].categories: give \"builders\" or \"categories\", not both"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("status[2].relay_prot: unknown key \"relay_prot\""), std::string::npos)
      << text;
  EXPECT_NE(text.find("status[3].url: must be an http:// or https:// URL"), std::string::npos)
      << text;
  EXPECT_NE(text.find("status[3].events[0]: \"BuildFinish\" is not an event type"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("status[3].batch_size:"), std::string::npos) << text;
  EXPECT_NE(text.find("status[4].url: must not hold credentials"), std::string::npos) << text;
  EXPECT_NE(text.find("status[4]: \"password_file\"/\"password_env\" needs \"user\""),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find(":p@"), std::string::npos) << "a URL's password is never shown";
}

TEST(StatusConfig, UnsupportedTypesAndKeysAreWarnedAbout) {
  auto result = load_config_string(with_base(R"(status:
  - {type: gerrit_status, server: gerrit.example.org}
  - {type: mail, fromaddr: a@b.org, add_logs: true}
)"),
                                   "master.yaml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status[0].params.at("server"), R"("gerrit.example.org")");
  auto warnings = status_target_warnings(*result);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0],
            "status[0] (gerrit_status): type \"gerrit_status\" is not supported yet: only its type "
            "and name are "
            "checked, and it reports nothing");
  EXPECT_EQ(warnings[1],
            "status[1] (mail): key \"add_logs\" is not supported yet and has no effect");
}

TEST(StatusConfig, SecretsComeFromFilesAndNeverShow) {
  eventbot::testing::TempDir dir("status-config");
  std::ofstream(dir / "smtp.pass") << "s3cret-smtp\n";
  std::ofstream(dir / "token.txt") << "Bearer t0ken\n";
  std::filesystem::permissions(dir / "smtp.pass", static_cast<std::filesystem::perms>(0600));
  std::filesystem::permissions(dir / "token.txt", static_cast<std::filesystem::perms>(0600));
  auto result = load_config_string(with_base(R"(status:
  - {type: mail, fromaddr: a@b.org, smtp_user: ci, smtp_password_file: smtp.pass}
  - {type: http_push, url: "http://127.0.0.1:1/", header_files: {Authorization: token.txt}}
)"),
                                   "master.yaml");
  ASSERT_TRUE(result);
  auto warnings = resolve_passwords(dir.path(), *result);
  ASSERT_TRUE(warnings) << warnings.error();
  EXPECT_EQ(result->status[0].mail->smtp_password, "s3cret-smtp");
  EXPECT_EQ(result->status[1].http_push->secret_headers.at("Authorization"), "Bearer t0ken");

  auto missing = load_config_string(with_base(R"(status:
  - {type: mail, fromaddr: a@b.org, smtp_user: ci, smtp_password_file: nothing-here}
)"),
                                    "master.yaml");
  ASSERT_TRUE(missing);
  auto failed = resolve_passwords(dir.path(), *missing);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().find("status[0] (mail).smtp_password_file: cannot read"),
            std::string::npos)
      << failed.error();
}

TEST(StatusConfig, CheckconfigPrintsTheWarnings) {
  eventbot::testing::TempDir dir("status-checkconfig");
  std::ofstream(dir / "master.yaml") << with_base("status: [{type: gerrit_status, name: g}]\n");
  std::ostringstream out, err;
  EXPECT_EQ(run_checkconfig(dir.path(), out, err), 0);
  EXPECT_NE(err.str().find("warning: status[0] (g): type \"gerrit_status\" is not supported yet"),
            std::string::npos)
      << err.str();
}

}  // namespace
}  // namespace eventbot::config

namespace eventbot::config {
namespace {

TEST(StatusConfig, ReadsEveryIrcKeyAndTheNickServPasswordFromAFile) {
  eventbot::testing::TempDir dir;
  std::ofstream(dir.path() / "irc.pass") << "s3cret\n";
  auto yaml = with_base(R"(status:
  - type: irc
    host: irc.example.org
    port: 6697
    nick: eventbot
    channels: ["#builds", "&ops"]
    password_file: irc.pass
    notify_events: [started, failure, successToFailure]
    categories: [tests]
    allow_force: true
    use_colors: false
    notice_on_channel: true
    use_revisions: true
    lost_delay: 2s
    failed_delay: 1m
)");
  std::ofstream(dir.path() / "master.yaml") << yaml;
  auto result = load_config_file(dir.path() / "master.yaml");
  ASSERT_TRUE(result) << ::testing::PrintToString(errors_of(yaml));
  ASSERT_TRUE(resolve_passwords(dir.path(), *result));
  ASSERT_TRUE(result->status.at(0).irc);
  const auto& irc = *result->status[0].irc;
  EXPECT_EQ(irc.host, "irc.example.org");
  EXPECT_EQ(irc.port, 6697);
  EXPECT_EQ(irc.nick, "eventbot");
  EXPECT_EQ(irc.channels, (std::vector<std::string>{"#builds", "&ops"}));
  EXPECT_EQ(irc.password, "s3cret");
  EXPECT_EQ(irc.notify_events,
            (std::vector<std::string>{"started", "failure", "successToFailure"}));
  EXPECT_EQ(irc.categories, std::vector<std::string>{"tests"});
  EXPECT_TRUE(irc.allow_force);
  EXPECT_FALSE(irc.use_colors);
  EXPECT_TRUE(irc.notice_on_channel);
  EXPECT_TRUE(irc.use_revisions);
  EXPECT_EQ(irc.lost_delay, 2);
  EXPECT_EQ(irc.failed_delay, 60);
  auto warnings = status_target_warnings(*result);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "status[0] (irc): the IRC bot is not run by the master yet: its keys are checked, "
            "and it reports nothing");
  for (const auto& warning : warnings) EXPECT_EQ(warning.find("s3cret"), std::string::npos);
}

TEST(StatusConfig, IrcErrorsNameTheirKeyAndPlace) {
  auto yaml = with_base(R"(status:
  - {type: irc, host: irc.example.org, nick: "bad nick", channels: [builds], notify_events: [explode]}
  - {type: irc, name: irc2, nick: bot, port: 0, lost_delay: 10s, failed_delay: 5s, colour: true}
)");
  auto errors = errors_of(yaml);
  std::ostringstream all;
  for (const auto& e : errors) all << e << "\n";
  const std::string text = all.str();
  EXPECT_NE(text.find("master.yaml:6:46: status[0].nick: \"bad nick\" is not an IRC nick"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("status[0].channels[0]: \"builds\" is not a channel"), std::string::npos)
      << text;
  EXPECT_NE(text.find("status[0].notify_events[0]: \"explode\" is not a notify event"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("status[1]: missing required key \"host\""), std::string::npos) << text;
  EXPECT_NE(text.find("status[1].port:"), std::string::npos) << text;
  EXPECT_NE(text.find("status[1].failed_delay: must be at least lost_delay (10s)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("status[1].colour: unknown key \"colour\""), std::string::npos) << text;
}

}  // namespace
}  // namespace eventbot::config
