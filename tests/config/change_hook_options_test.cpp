// master.yaml's web.change_hooks options: which keys each dialect takes, one secret per
// hook, the form of GitLab's secret_hash; secret_file and secret_env read into `secret`
// at load (as passwords are), with messages that never hold the secret.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "actors/config/config_loader.hpp"
#include "actors/config/passwords.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::config {
namespace {

namespace fs = std::filesystem;

std::string errors(const std::string& yaml) {
  auto result = load_config_string(yaml, "master.yaml");
  std::string out;
  if (!result) {
    for (const auto& error : result.error()) out += format_error(error) + "\n";
  }
  return out;
}

TEST(ChangeHookOptions, EachDialectTakesItsKeysAndOneSecret) {
  EXPECT_EQ(errors("web:\n  change_hooks:\n    base: true\n    github: {secret: s}\n"
                   "    gitlab: {secret_hash: \"sha256:" +
                   std::string(64, 'a') + "\"}\n"),
            "");
  EXPECT_NE(errors("web:\n  change_hooks:\n    base: {secret: s}\n").find("secret"),
            std::string::npos);
  EXPECT_NE(errors("web:\n  change_hooks:\n    github: {secret_hash: \"sha256:" +
                   std::string(64, 'a') + "\"}\n")
                .find("secret_hash"),
            std::string::npos);
  auto both = errors("web:\n  change_hooks:\n    gitlab: {secret: hunter2, secret_env: V}\n");
  EXPECT_NE(both.find("not several"), std::string::npos) << both;
  EXPECT_EQ(both.find("hunter2"), std::string::npos) << both;
  EXPECT_NE(errors("web:\n  change_hooks:\n    gitlab: {secret_hash: \"sha256:12\"}\n")
                .find("64 hex digits"),
            std::string::npos);
}

TEST(ChangeHookOptions, SecretFilesAndVariablesAreReadIntoTheSecret) {
  eventbot::testing::TempDir dir{"hook-secrets"};
  std::ofstream(dir / "github.secret") << "from-a-file\n";
  fs::permissions(dir / "github.secret", fs::perms::owner_read | fs::perms::owner_write);
  ::setenv("EVENTBOT_TEST_GITLAB_TOKEN", "from-the-env", 1);
  auto loaded = load_config_string(
      "web:\n  change_hooks:\n    github: {secret_file: github.secret}\n"
      "    gitlab: {secret_env: EVENTBOT_TEST_GITLAB_TOKEN}\n",
      "master.yaml");
  ASSERT_TRUE(loaded);
  auto resolved = resolve_passwords(dir.path(), *loaded);
  ::unsetenv("EVENTBOT_TEST_GITLAB_TOKEN");
  ASSERT_TRUE(resolved) << resolved.error();
  EXPECT_EQ(nlohmann::json::parse(loaded->web.change_hooks.at("github")),
            (nlohmann::json{{"secret", "from-a-file"}}));
  EXPECT_EQ(nlohmann::json::parse(loaded->web.change_hooks.at("gitlab")),
            (nlohmann::json{{"secret", "from-the-env"}}));

  auto missing = load_config_string(
      "web:\n  change_hooks:\n    github: {secret_file: none.secret}\n", "master.yaml");
  ASSERT_TRUE(missing);
  auto refused = resolve_passwords(dir.path(), *missing);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("web.change_hooks.github.secret_file: cannot read"),
            std::string::npos)
      << refused.error();
}

}  // namespace
}  // namespace eventbot::config
