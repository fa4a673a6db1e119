// What a reconfig changes, compared by value and named.
#include "actors/config/config_diff.hpp"

#include <gtest/gtest.h>

#include "tests/config/config_test_support.hpp"

namespace eventbot::config {
namespace {

MasterConfig load(const std::string& yaml) {
  auto result = load_config_string(yaml, "master.yaml");
  EXPECT_TRUE(result) << ::testing::PrintToString(testing::errors_of(yaml));
  return result ? *result : MasterConfig{};
}

const std::string kOld = R"(master: {id: m1}
slaves:
  - {name: a, password: p}
  - {name: b, password: p}
change_sources:
  - {type: sendchange, password: changepw}
builders:
  - {name: runtests, slaves: [a]}
  - {name: docs, slaves: [b]}
schedulers:
  - {type: any_branch, name: all, builders: [runtests]}
  - {type: force, name: force, builders: [runtests, docs]}
)";

TEST(ConfigDiff, TheSameFileChangesNothing) {
  ConfigDiff diff = diff_configs(load(kOld), load(kOld));
  EXPECT_FALSE(diff.slaves.any());
  EXPECT_FALSE(diff.builders.any());
  EXPECT_FALSE(diff.schedulers.any());
  EXPECT_FALSE(diff.change_sources.any());
  EXPECT_FALSE(diff.status_targets.any());
  EXPECT_FALSE(diff.settings_changed);
  EXPECT_EQ(diff.builders.unchanged, (std::vector<std::string>{"runtests", "docs"}));
  EXPECT_EQ(diff.schedulers.unchanged, (std::vector<std::string>{"all", "force"}));
}

TEST(ConfigDiff, NamesWhatWasAddedRemovedAndChanged) {
  const std::string new_file = R"(master: {id: m1}
slaves:
  - {name: a, password: p, max_builds: 2}
  - {name: c, password: p}
change_sources:
  - {type: sendchange, password: changepw}
  - {type: git_poller, name: poller, repository: /srv/git/p.git}
builders:
  - {name: runtests, slaves: [a], steps: [{type: shell, command: make check}]}
  - {name: package, slaves: [c]}
schedulers:
  - {type: any_branch, name: all, builders: [runtests]}
  - {type: force, name: force, builders: [runtests, package]}
  - {type: nightly, name: nightly, builders: [package]}
)";
  ConfigDiff diff = diff_configs(load(kOld), load(new_file));
  EXPECT_EQ(diff.slaves, (NamedChanges{{"c"}, {"b"}, {"a"}, {}}));
  EXPECT_EQ(diff.change_sources, (NamedChanges{{"poller"}, {}, {}, {"sendchange"}}));
  EXPECT_EQ(diff.builders, (NamedChanges{{"package"}, {"docs"}, {"runtests"}, {}}));
  EXPECT_EQ(diff.schedulers, (NamedChanges{{"nightly"}, {}, {"force"}, {"all"}}));
  EXPECT_FALSE(diff.settings_changed);
}

TEST(ConfigDiff, AMatrixExpansionIsComparedBuilderByBuilder) {
  const std::string old_file = R"(slaves: [{name: s, password: p}]
builders:
  - {name: "b-{cc}", matrix: {cc: [gcc, clang]}, slaves: [s], env: {CC: "{cc}"}}
)";
  const std::string new_file = R"(slaves: [{name: s, password: p}]
builders:
  - {name: "b-{cc}", matrix: {cc: [gcc, icc]}, slaves: [s], env: {CC: "{cc}"}}
)";
  ConfigDiff diff = diff_configs(load(old_file), load(new_file));
  EXPECT_EQ(diff.builders, (NamedChanges{{"b-icc"}, {"b-clang"}, {}, {"b-gcc"}}));
}

TEST(ConfigDiff, SettingsOutsideTheNamedListsAreOneFlag) {
  MasterConfig old_config = load(kOld);
  MasterConfig new_config = old_config;
  new_config.title = "Renamed";
  EXPECT_TRUE(diff_configs(old_config, new_config).settings_changed);
  new_config = old_config;
  new_config.web.port = 8011;
  EXPECT_TRUE(diff_configs(old_config, new_config).settings_changed);
  EXPECT_FALSE(diff_configs(old_config, new_config).builders.any());
}

}  // namespace
}  // namespace eventbot::config
