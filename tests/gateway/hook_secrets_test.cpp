// The change hooks' options and sender checks: GitHub's HMAC-SHA256 signature (the test
// vector of GitHub's documentation), GitLab's token in clear or as its SHA-256.
#include "gateway/hooks/hook_secrets.hpp"

#include <gtest/gtest.h>

namespace eventbot::gateway::hooks {
namespace {

TEST(HookSecrets, GitHubsSignatureIsHmacSha256OfTheBody) {
  // From GitHub's "Validating webhook deliveries".
  const std::string secret = "It's a Secret to Everybody";
  const std::string expected =
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  EXPECT_EQ(github_signature(secret, "Hello, World!"), expected);
  EXPECT_TRUE(github_signature_matches(secret, "Hello, World!", expected));
  EXPECT_FALSE(github_signature_matches(secret, "Hello, World?", expected));
  EXPECT_FALSE(github_signature_matches("another secret", "Hello, World!", expected));
  EXPECT_FALSE(github_signature_matches(secret, "Hello, World!", ""));
  EXPECT_FALSE(github_signature_matches(secret, "Hello, World!", expected.substr(7)));
  EXPECT_FALSE(github_signature_matches(secret, "Hello, World!", expected + "0"));
}

TEST(HookSecrets, GitLabsTokenMatchesInClearOrHashed) {
  auto clear = hook_options("gitlab", R"({"secret": "gl-token"})");
  ASSERT_TRUE(clear) << clear.error();
  EXPECT_TRUE(clear->checks());
  EXPECT_TRUE(gitlab_token_matches(*clear, "gl-token"));
  EXPECT_FALSE(gitlab_token_matches(*clear, "gl-token "));
  EXPECT_FALSE(gitlab_token_matches(*clear, ""));
  auto hashed = hook_options(
      "gitlab",
      R"({"secret_hash": "sha256:a27a54354ce96436b24276d25e3a73dc61af6c1e74ee0f8449b5c13706018911"})");
  ASSERT_TRUE(hashed) << hashed.error();
  EXPECT_TRUE(gitlab_token_matches(*hashed, "gl-token"));
  EXPECT_FALSE(gitlab_token_matches(*hashed, "other"));
}

TEST(HookSecrets, OptionsAreCheckedPerDialect) {
  auto none = hook_options("base", "{}");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->checks());
  auto github = hook_options("github", R"({"secret": "s3"})");
  ASSERT_TRUE(github);
  EXPECT_EQ(github->secret, "s3");
  EXPECT_FALSE(hook_options("base", R"({"secret": "s3"})"));
  EXPECT_FALSE(hook_options("github", R"({"secret_hash": "sha256:00"})"));
  EXPECT_FALSE(hook_options("gitlab", R"({"secret_hash": "sha256:00"})"));
  EXPECT_FALSE(hook_options("github", R"({"secret": ""})"));
  EXPECT_FALSE(hook_options("github", R"({"secret_file": "hook.secret"})"));  // not read
  EXPECT_FALSE(hook_options("gitlab", R"({"colour": "blue"})"));
  EXPECT_FALSE(hook_options("gitlab", "[]"));
  // The message never holds the secret.
  auto both = hook_options(
      "gitlab",
      R"({"secret": "hunter2", "secret_hash": "sha256:a27a54354ce96436b24276d25e3a73dc61af6c1e74ee0f8449b5c13706018911"})");
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace eventbot::gateway::hooks
