// A master.yaml that writes every key loads into exactly those values; the template
// that create-master writes loads as it is.
#include <gtest/gtest.h>

#include "actors/config/master_yaml_template.hpp"
#include "tests/config/config_test_support.hpp"

namespace eventbot::config {
namespace {

constexpr char kHash[] = "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

const std::string kFullFile = std::string(R"(title: Example project
title_url: https://example.org/
buildbot_url: http://ci.example.org:8010
master:
  id: m1
  slave_port: 9990
  bind: 0.0.0.0
  durability: sync
  collapse_requests: false
  log_server: logs.example.org:9999
web:
  port: 8011
  bind: 0.0.0.0
  users:
    - {name: admin, password_hash: ")") +
                              kHash + R"(", roles: [admin, dev], email: admin@example.org}
    - {name: bob, password: secret}
  authz:
    force_build: anyone
    stop_build: authenticated
    clean_shutdown: [admin]
    ping_builder: false
  change_hooks:
    github: {secret: s3}
    base: true
    gitlab: false
properties: {project_owner: alice, release: "1.2", count: 3, flags: [a, b]}
horizons: {changes: 1000, builds: 500, logs: 100, log_days: 30}
logs: {max_size: 10MiB, max_tail_size: 64KiB}
validation:
  branch: "^[a-z/]*$"
  revision: "^[0-9a-f]*$"
  property_name: "^\\w+$"
  property_value: "^.*$"
x-shared: &shared_env {LANG: C}
slaves:
  - name: linux-slave
    password: pass
    max_builds: 2
    properties: {os: linux}
    notify_on_missing: [ops@example.org]
    missing_timeout: 2h
    keepalive_interval: 600
  - {name: bsd-slave, password_hash: ")" +
                              kHash + R"("}
locks:
  - {name: db, type: master}
  - {name: cpu, type: slave, max_count: 2, max_count_for_slave: {linux-slave: 4}}
change_sources:
  - {type: sendchange, name: sc, user: hooks, password: changepw, prefix: trunk/}
  - type: git_poller
    name: poller
    repository: /srv/git/project.git
    branches: [main, release]
    poll_interval: 1m
    project: p
    category: c
    repository_name: https://example.org/project.git
    workdir: gitpoller-work
  - {type: git_poller, repository: /srv/git/other.git, branches: all}
schedulers:
  - type: single_branch
    name: all
    builders: [runtests]
    branch: main
    tree_stable_timer: 60
    file_is_important: {include: ["src/*"], exclude: ["docs/*", "*.md"]}
    only_important: true
    change_filter:
      project: [a, b]
      repository: https://example.org/project.git
      branch: {regex: "^release/"}
      category: x
    properties: {priority: 1}
  - {type: any_branch, name: any, builders: [runtests], tree_stable_timer: 5m}
  - {type: dependent, name: after, upstream: all, builders: [package]}
  - {type: periodic, name: hourly, builders: [runtests], period: 3600, branch: main}
  - type: nightly
    name: nightly
    builders: [runtests, package]
    branch: ""
    minute: [30, 0]
    hour: [1, 13]
    day_of_month: "*"
    month: 6
    day_of_week: [0, 4]
    only_if_changed: true
  - {type: triggerable, name: t, builders: [package]}
  - {type: force, name: force, builders: [runtests, package], reason: "forced by hand"}
builders:
  - name: runtests
    slaves: [linux-slave, bsd-slave]
    builddir: rt
    slavebuilddir: rt-slave
    category: tests
    tags: [fast, unit]
    env: {<<: *shared_env, PATH: /usr/bin}
    properties: {suite: all}
    locks: [db, {name: cpu, access: counting}]
    priority: 3
    description: runs the tests
    collapse_requests: false
    next_slave: in_order
    next_build: newest
    steps:
      - {type: git, repourl: "https://example.org/project.git", mode: full}
      - {type: shell, name: test, command: [make, test], haltOnFailure: true, timeout: 1200,
         locks: [{name: db, access: counting}]}
  - {name: package, slaves: [linux-slave]}
status:
  - {type: mail, fromaddr: ci@example.org, mode: failing, extra_recipients: [dev@example.org]}
  - {type: irc, name: irc-freenode, host: irc.example.org, nick: eventbot, channels: ["#ci"]}
)";

TEST(ConfigLoader, LoadsEveryKeyOfAFullFile) {
  auto result = load_config_string(kFullFile, "master.yaml");
  ASSERT_TRUE(result) << ::testing::PrintToString(testing::errors_of(kFullFile));
  const MasterConfig& c = *result;

  EXPECT_EQ(c.title, "Example project");
  EXPECT_EQ(c.title_url, "https://example.org/");
  EXPECT_EQ(c.buildbot_url, "http://ci.example.org:8010/");  // the '/' links need
  EXPECT_EQ(c.master_id, "m1");
  EXPECT_EQ(c.slave_port, 9990);
  EXPECT_EQ(c.slave_bind, "0.0.0.0");
  EXPECT_EQ(c.durability, "sync");
  EXPECT_FALSE(c.collapse_requests);
  EXPECT_EQ(c.log_server, "logs.example.org:9999");

  EXPECT_EQ(c.web.port, 8011);
  EXPECT_EQ(c.web.bind, "0.0.0.0");
  ASSERT_EQ(c.web.users.size(), 2u);
  EXPECT_EQ(c.web.users[0],
            (WebUser{"admin", "", kHash, {"admin", "dev"}, "admin@example.org", {}, {}}));
  EXPECT_EQ(c.web.users[1], (WebUser{"bob", "secret", "", {}, "", {}, {}}));
  EXPECT_EQ(c.web.authz.size(), 4u);
  EXPECT_EQ(c.web.authz.at("force_build").who, AccessRule::Who::anyone);
  EXPECT_EQ(c.web.authz.at("stop_build").who, AccessRule::Who::authenticated);
  EXPECT_EQ(c.web.authz.at("clean_shutdown"), (AccessRule{AccessRule::Who::roles, {"admin"}}));
  EXPECT_EQ(c.web.authz.at("ping_builder").who, AccessRule::Who::nobody);
  EXPECT_EQ(c.web.change_hooks,
            (std::map<std::string, std::string>{{"base", "{}"}, {"github", R"({"secret":"s3"})"}}));

  EXPECT_EQ(c.properties, (PropertyMap{{"project_owner", R"("alice")"},
                                       {"release", R"("1.2")"},
                                       {"count", "3"},
                                       {"flags", R"(["a","b"])"}}));
  EXPECT_EQ(c.horizons, (Horizons{1000, 500, 100, 30}));
  EXPECT_EQ(c.logs, (LogLimits{10 << 20, 64 << 10}));
  EXPECT_EQ(c.validation, (InputValidation{"^[a-z/]*$", "^[0-9a-f]*$", R"(^\w+$)", "^.*$"}));

  ASSERT_EQ(c.slaves.size(), 2u);
  SlaveConfig linux_slave{"linux-slave",       "pass", "",  2, {{"os", R"("linux")"}},
                          {"ops@example.org"}, 7200,   600, {}};
  EXPECT_EQ(c.slaves[0], linux_slave);
  EXPECT_EQ(c.slaves[1].password_hash, kHash);
  EXPECT_EQ(c.slaves[1].max_builds, 0);
  EXPECT_EQ(c.slaves[1].missing_timeout, 3600);

  ASSERT_EQ(c.change_sources.size(), 3u);
  const ChangeSourceConfig& sendchange = c.change_sources[0];
  EXPECT_EQ(sendchange.type, ChangeSourceType::sendchange);
  EXPECT_EQ(sendchange.name, "sc");
  EXPECT_EQ(sendchange.user, "hooks");
  EXPECT_EQ(sendchange.password, "changepw");
  EXPECT_EQ(sendchange.prefix, "trunk/");
  const ChangeSourceConfig& poller = c.change_sources[1];
  EXPECT_EQ(poller.type, ChangeSourceType::git_poller);
  EXPECT_EQ(poller.name, "poller");
  EXPECT_EQ(poller.repository, "/srv/git/project.git");
  EXPECT_EQ(poller.branches, (std::vector<std::string>{"main", "release"}));
  EXPECT_FALSE(poller.all_branches);
  EXPECT_EQ(poller.poll_interval, 60);
  EXPECT_EQ(poller.project, "p");
  EXPECT_EQ(poller.category, "c");
  EXPECT_EQ(poller.repository_name, "https://example.org/project.git");
  EXPECT_EQ(poller.workdir, "gitpoller-work");
  EXPECT_EQ(c.change_sources[2].name, "/srv/git/other.git");  // named after its repository
  EXPECT_TRUE(c.change_sources[2].all_branches);
  EXPECT_EQ(c.change_sources[2].poll_interval, 600);

  ASSERT_EQ(c.schedulers.size(), 7u);
  const SchedulerConfig& all = c.schedulers[0];
  EXPECT_EQ(all.type, SchedulerType::single_branch);
  EXPECT_EQ(all.builders, (std::vector<std::string>{"runtests"}));
  EXPECT_EQ(all.branch, "main");
  EXPECT_EQ(all.tree_stable_timer, 60);
  EXPECT_EQ(all.file_is_important, (FileImportance{{"src/*"}, {"docs/*", "*.md"}}));
  EXPECT_TRUE(all.only_important);
  EXPECT_EQ(all.change_filter.project.values, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(all.change_filter.repository.values,
            (std::vector<std::string>{"https://example.org/project.git"}));
  EXPECT_EQ(all.change_filter.branch.regex, "^release/");
  EXPECT_TRUE(all.change_filter.branch.values.empty());
  EXPECT_EQ(all.change_filter.category.values, (std::vector<std::string>{"x"}));
  EXPECT_EQ(all.properties, (PropertyMap{{"priority", "1"}}));

  EXPECT_EQ(c.schedulers[1].type, SchedulerType::any_branch);
  EXPECT_EQ(c.schedulers[1].tree_stable_timer, 300);
  EXPECT_TRUE(c.schedulers[1].change_filter.branch.any());
  EXPECT_EQ(c.schedulers[2].type, SchedulerType::dependent);
  EXPECT_EQ(c.schedulers[2].upstream, "all");
  EXPECT_EQ(c.schedulers[2].tree_stable_timer, std::nullopt);
  EXPECT_EQ(c.schedulers[3].type, SchedulerType::periodic);
  EXPECT_EQ(c.schedulers[3].period, 3600);
  EXPECT_EQ(c.schedulers[3].branch, "main");

  const SchedulerConfig& nightly = c.schedulers[4];
  EXPECT_EQ(nightly.type, SchedulerType::nightly);
  EXPECT_EQ(nightly.builders, (std::vector<std::string>{"runtests", "package"}));
  EXPECT_EQ(nightly.branch, "");
  EXPECT_EQ(nightly.minute, (CronField{0, 30}));  // sorted
  EXPECT_EQ(nightly.hour, (CronField{1, 13}));
  EXPECT_EQ(nightly.day_of_month, CronField{});  // "*"
  EXPECT_EQ(nightly.month, CronField{6});
  EXPECT_EQ(nightly.day_of_week, (CronField{0, 4}));
  EXPECT_TRUE(nightly.only_if_changed);

  EXPECT_EQ(c.schedulers[5].type, SchedulerType::triggerable);
  EXPECT_EQ(c.schedulers[6].type, SchedulerType::force);
  EXPECT_EQ(c.schedulers[6].reason, "forced by hand");

  ASSERT_EQ(c.builders.size(), 2u);
  const BuilderConfig& runtests = c.builders[0];
  EXPECT_EQ(runtests.name, "runtests");
  EXPECT_EQ(runtests.slaves, (std::vector<std::string>{"linux-slave", "bsd-slave"}));
  EXPECT_EQ(runtests.builddir, "rt");
  EXPECT_EQ(runtests.slavebuilddir, "rt-slave");
  EXPECT_EQ(runtests.category, "tests");
  EXPECT_EQ(runtests.tags, (std::vector<std::string>{"fast", "unit"}));
  EXPECT_EQ(runtests.env,
            (std::map<std::string, std::string>{{"LANG", "C"}, {"PATH", "/usr/bin"}}));
  EXPECT_EQ(runtests.properties, (PropertyMap{{"suite", R"("all")"}}));
  EXPECT_EQ(runtests.locks,
            (std::vector<LockUse>{{"db", LockAccess::exclusive}, {"cpu", LockAccess::counting}}));
  EXPECT_EQ(runtests.priority, 3);
  ASSERT_EQ(c.locks.size(), 2u);
  EXPECT_EQ(c.locks[0], (LockConfig{"db", LockType::master, 1, {}}));
  EXPECT_EQ(c.locks[1], (LockConfig{"cpu", LockType::slave, 2, {{"linux-slave", 4}}}));
  EXPECT_EQ(runtests.description, "runs the tests");
  EXPECT_EQ(runtests.collapse_requests, false);
  EXPECT_EQ(runtests.next_slave, NextSlavePolicy::in_order);
  EXPECT_EQ(runtests.next_build, NextBuildPolicy::newest);
  ASSERT_EQ(runtests.steps.size(), 2u);
  EXPECT_EQ(
      runtests.steps[0],
      (StepConfig{"git",
                  "git",
                  {{"repourl", R"("https://example.org/project.git")"}, {"mode", R"("full")"}}}));
  EXPECT_EQ(runtests.steps[1], (StepConfig{"shell",
                                           "test",
                                           {{"command", R"(["make","test"])"},
                                            {"haltOnFailure", "true"},
                                            {"timeout", "1200"},
                                            {"locks", R"([{"name":"db","access":"counting"}])"}}}));

  const BuilderConfig& package = c.builders[1];
  EXPECT_EQ(package.builddir, "package");       // the name by default
  EXPECT_EQ(package.slavebuilddir, "package");  // builddir by default
  EXPECT_EQ(package.collapse_requests, std::nullopt);
  EXPECT_EQ(package.next_slave, NextSlavePolicy::random);
  EXPECT_EQ(package.priority, 0);
  EXPECT_TRUE(package.locks.empty());

  ASSERT_EQ(c.status.size(), 2u);
  MailTargetConfig mail;
  mail.fromaddr = "ci@example.org";
  mail.mode = MailMode::failing;
  mail.extra_recipients = {"dev@example.org"};
  EXPECT_EQ(c.status[0].type, "mail");
  EXPECT_EQ(c.status[0].name, "mail");
  EXPECT_EQ(c.status[0].mail, mail);
  EXPECT_TRUE(c.status[0].params.empty());
  EXPECT_EQ(c.status[1].name, "irc-freenode");
  ASSERT_TRUE(c.status[1].irc);
  EXPECT_EQ(c.status[1].irc->channels, std::vector<std::string>{"#ci"});
}

TEST(ConfigLoader, AnEmptyFileIsEveryDefault) {
  auto result = load_config_string("# nothing yet\n", "master.yaml");
  ASSERT_TRUE(result);
  MasterConfig expected;
  expected.master_id = result->master_id;  // the host name
  EXPECT_FALSE(expected.master_id.empty());
  EXPECT_EQ(*result, expected);
}

TEST(ConfigLoader, PropertyValuesKeepTheirYamlTypes) {
  auto result = load_config_string(R"(properties:
  quoted_number: "3"
  version: 3.10
  negative: -2
  yes_word: yes
  flag: false
  nothing: ~
  empty:
  nested: {list: [1, "two", {three: 3}]}
  text: "say \"hi\""
)",
                                   "master.yaml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->properties, (PropertyMap{{"quoted_number", R"("3")"},
                                             {"version", "3.10"},
                                             {"negative", "-2"},
                                             {"yes_word", R"("yes")"},
                                             {"flag", "false"},
                                             {"nothing", "null"},
                                             {"empty", "null"},
                                             {"nested", R"({"list":[1,"two",{"three":3}]})"},
                                             {"text", R"("say \"hi\"")"}}));
}

// A property of 300,000 digits crashed checkconfig, start and reconfig: the number test
// was a std::regex, which recursed once per digit. It is a number of that many digits.
TEST(ConfigLoader, AHugeNumberIsReadWithoutRecursion) {
  const std::string digits = "1" + std::string(300'000, '0');
  auto result = load_config_string("properties:\n  big: " + digits + "\n  neg: -" + digits +
                                       ".5e-3\n  not_a_number: " + digits + "x\n",
                                   "master.yaml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->properties.at("big"), digits);
  EXPECT_EQ(result->properties.at("neg"), "-" + digits + ".5e-3");
  EXPECT_EQ(result->properties.at("not_a_number"), "\"" + digits + "x\"");
}

TEST(ConfigLoader, DurationsAcceptUnits) {
  auto result = load_config_string(R"(slaves:
  - {name: a, password: p, missing_timeout: 90}
  - {name: b, password: p, missing_timeout: 30s}
  - {name: c, password: p, missing_timeout: 5m}
  - {name: d, password: p, missing_timeout: 2h}
  - {name: e, password: p, missing_timeout: 1d}
  - {name: f, password: p, missing_timeout: 1h30m}
)",
                                   "master.yaml");
  ASSERT_TRUE(result);
  std::vector<std::int64_t> seconds;
  for (const auto& slave : result->slaves) seconds.push_back(slave.missing_timeout);
  EXPECT_EQ(seconds, (std::vector<std::int64_t>{90, 30, 300, 7200, 86400, 5400}));
}

TEST(ConfigLoader, XKeysHoldAnchorsAndMergeKeysReuseThem) {
  auto result = load_config_string(R"(x-builder: &builder
  slaves: [s]
  category: shared
slaves: [{name: s, password: p}]
builders:
  - {<<: *builder, name: a}
  - {<<: *builder, name: b, category: own}
)",
                                   "master.yaml");
  ASSERT_TRUE(result) << ::testing::PrintToString(result.error());
  ASSERT_EQ(result->builders.size(), 2u);
  EXPECT_EQ(result->builders[0].category, "shared");
  EXPECT_EQ(result->builders[1].category, "own");  // the map's own key wins
  EXPECT_EQ(result->builders[1].slaves, std::vector<std::string>{"s"});
}

TEST(ConfigLoader, LoadsFromAFile) {
  auto result = load_config_file("/nonexistent-dir/master.yaml");
  EXPECT_FALSE(result);
}

TEST(MasterSection, TlsNamesTheCertificateAndKey) {
  auto result = load_config_string(
      "master: {tls: {certificate: tls/cert.pem, key: /etc/eventbot/key.pem}}\n", "master.yaml");
  ASSERT_TRUE(result);
  ASSERT_TRUE(result->tls);
  EXPECT_EQ(result->tls->certificate, "tls/cert.pem");
  EXPECT_EQ(result->tls->key, "/etc/eventbot/key.pem");
  auto plain = load_config_string("master: {slave_port: 9989}\n", "master.yaml");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls);
}

TEST(MasterYamlTemplate, LoadsAsItIs) {
  const std::string text = master_yaml_template();
  auto result = load_config_string(text, "master.yaml");
  ASSERT_TRUE(result) << ::testing::PrintToString(testing::errors_of(text));
  const MasterConfig& c = *result;
  EXPECT_EQ(c.slave_port, 9989);
  EXPECT_FALSE(c.tls);  // the example speaks in the clear on 127.0.0.1
  EXPECT_EQ(c.web.port, 8010);
  EXPECT_EQ(c.buildbot_url, "http://localhost:8010/");
  ASSERT_EQ(c.slaves.size(), 1u);
  EXPECT_EQ(c.slaves[0].name, "example-slave");
  EXPECT_EQ(c.slaves[0].password, "pass");
  ASSERT_EQ(c.change_sources.size(), 1u);
  EXPECT_EQ(c.change_sources[0].type, ChangeSourceType::sendchange);
  EXPECT_EQ(c.change_sources[0].user, "change");
  EXPECT_EQ(c.change_sources[0].password, "changepw");
  ASSERT_EQ(c.schedulers.size(), 2u);
  EXPECT_EQ(c.schedulers[0].builders, std::vector<std::string>{"runtests"});
  EXPECT_EQ(c.schedulers[0].tree_stable_timer, std::nullopt);  // a build per change
  EXPECT_TRUE(c.schedulers[0].change_filter.branch.any());     // on every branch
  EXPECT_EQ(c.schedulers[1].type, SchedulerType::force);
  ASSERT_EQ(c.builders.size(), 1u);
  EXPECT_EQ(c.builders[0].name, "runtests");
  EXPECT_EQ(c.builders[0].slaves, std::vector<std::string>{"example-slave"});
  ASSERT_EQ(c.builders[0].steps.size(), 1u);
  EXPECT_EQ(c.builders[0].steps[0].type, "shell");
  EXPECT_EQ(c.web.authz.at("force_build").who, AccessRule::Who::anyone);
  // A web user for stop-build and the rest, whose password is not in the template.
  ASSERT_EQ(c.web.users.size(), 1u);
  EXPECT_EQ(c.web.users[0].name, "admin");
  EXPECT_EQ(c.web.users[0].password, "");
  EXPECT_EQ(c.web.users[0].password_hash, "");
  EXPECT_EQ(c.web.users[0].password_from.file, kWebPasswordFile);
  EXPECT_EQ(c.web.authz.at("stop_build").roles, std::vector<std::string>{"admin"});
}

TEST(MasterYamlTemplate, UsesTheGivenPorts) {
  const std::string text = master_yaml_template(19989, 18010);
  auto result = load_config_string(text, "master.yaml");
  ASSERT_TRUE(result) << ::testing::PrintToString(testing::errors_of(text));
  EXPECT_EQ(result->slave_port, 19989);
  EXPECT_EQ(result->web.port, 18010);
  EXPECT_EQ(result->buildbot_url, "http://localhost:18010/");
  EXPECT_NE(text.find("localhost:19989 example-slave pass"), std::string::npos);
  EXPECT_EQ(text.find("9989 "), text.find("19989 ") + 1);  // no port left unreplaced
}

// Each commented-out example, uncommented, loads too: they are meant to be copied.
TEST(MasterYamlTemplate, CommentedExamplesLoadWhenUncommented) {
  std::string text = master_yaml_template();
  std::string uncommented;
  // An example is a block of comment lines under an indented '#': its first line is a
  // list item ("# - type: ...") or a key, the rest are indented further.
  bool in_example = false;
  std::size_t example_hash = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    std::string line = text.substr(start, end - start);
    start = end + 1;
    const std::size_t hash = line.find("# ");
    const bool comment =
        hash != std::string::npos && hash > 0 && line.find_first_not_of(' ') == hash;
    const std::string body = comment ? line.substr(hash + 2) : "";
    const bool begins = comment && (body.starts_with("- ") || body.starts_with("users:") ||
                                    body.starts_with("max_builds:") || body.starts_with("tls:"));
    const bool continues = in_example && comment && hash == example_hash && body.starts_with("  ");
    in_example = begins || continues;
    if (in_example) {
      example_hash = hash;
      line = line.substr(0, hash) + body;
    }
    uncommented += line + "\n";
  }
  EXPECT_NE(uncommented.find("type: git_poller"), std::string::npos);
  EXPECT_NE(uncommented.find("type: nightly"), std::string::npos);
  EXPECT_NE(uncommented.find("type: mail"), std::string::npos);
  EXPECT_NE(uncommented.find("\n  tls: {certificate:"), std::string::npos);
  auto errors = testing::errors_of(uncommented);
  // The matrix example names slaves this file does not define.
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                R"(master.yaml:112:14: builders[1].slaves[0]: no slave named "linux-slave")",
                R"(master.yaml:112:14: builders[1].slaves[0]: no slave named "bsd-slave")",
            }))
      << uncommented;
}

TEST(ContentSha256, IsTheLowerCaseHexDigest) {
  EXPECT_EQ(content_sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(content_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace eventbot::config
