// The change hooks' shell on a real store: what a request records (one append, after the
// sendchange checks) and what it refuses with nothing recorded: a hook not enabled, a
// method other than POST, a bad signature or token, malformed input, a change the
// validation patterns refuse. (Over a real socket against the master: ChangeHooksE2E.)
#include "gateway/hooks/change_hooks.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "events/streams.hpp"
#include "gateway/hooks/hook_secrets.hpp"
#include "tests/gateway/hook_fixtures.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::gateway::hooks {
namespace {

using nlohmann::json;

class ChangeHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::MasterConfig config;
    config.master_id = "m1";
    config.web.change_hooks = {{"base", "{}"},
                               {"github", R"({"secret": "s3cret"})"},
                               {"gitlab", R"({"secret": "gl-token"})"}};
    hooks_.configure(config);
  }

  api::Reply post(const std::string& dialect, const std::string& body,
                  std::vector<std::pair<std::string, std::string>> headers,
                  const std::string& query = "", const std::string& method = "POST") {
    http::HttpRequest request;
    request.method = method;
    request.target = "/change_hook/" + dialect;
    request.remote = "127.0.0.1:1";
    request.headers = std::move(headers);
    request.body = body;
    return hooks_.handle(dialect, query, request);
  }

  std::vector<events::ChangeAdded> recorded() {
    std::vector<events::ChangeAdded> out;
    auto events = log_->read_forward(Sequence(1), 1000);
    EXPECT_TRUE(events);
    if (!events) return out;
    for (const auto& e : *events) {
      EXPECT_EQ(e.stream(), streams::changes());
      EXPECT_EQ(e.master_id(), "m1");
      if (e.has_change_added()) out.push_back(e.change_added());
    }
    return out;
  }

  eventbot::testing::TempDir dir_{"gateway-hooks"};
  std::unique_ptr<store::RocksEventLog> log_ = store::test::open_store(dir_.path());
  ChangeHooks hooks_{*log_};
};

TEST_F(ChangeHooksTest, ASignedGitHubPushIsRecordedBeforeTheAnswer) {
  const auto body = testing::fixture("github_push.json");
  auto reply = post("github", body,
                    {{"Content-Type", "application/json"},
                     {"X-GitHub-Event", "push"},
                     {"x-hub-signature-256", github_signature("s3cret", body)}});
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(json::parse(reply.body), (json{{"changes", json::array({1})}}));
  auto changes = recorded();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].revision(), "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  EXPECT_EQ(changes[0].source(), "change_hook:github");
}

TEST_F(ChangeHooksTest, EveryRefusalRecordsNothing) {
  const auto push = testing::fixture("github_push.json");
  const std::vector<std::pair<std::string, std::string>> json_push = {
      {"Content-Type", "application/json"}, {"X-GitHub-Event", "push"}};
  auto with = [&](std::vector<std::pair<std::string, std::string>> headers, const std::string& name,
                  const std::string& value) {
    headers.emplace_back(name, value);
    return headers;
  };
  EXPECT_EQ(
      post("github", push, with(json_push, "X-Hub-Signature-256", github_signature("guess", push)))
          .status,
      403u);
  EXPECT_EQ(post("github", push, json_push).status, 403u);
  const std::string broken = "{\"ref\": ";
  EXPECT_EQ(post("github", broken,
                 with(json_push, "X-Hub-Signature-256", github_signature("s3cret", broken)))
                .status,
            400u);
  auto bad_branch = json::parse(push);
  bad_branch["ref"] = "refs/heads/x;rm -rf";
  const auto refused_text = bad_branch.dump();
  auto refused =
      post("github", refused_text,
           with(json_push, "X-Hub-Signature-256", github_signature("s3cret", refused_text)));
  EXPECT_EQ(refused.status, 400u);
  EXPECT_NE(refused.body.find("change refused"), std::string::npos) << refused.body;
  // Two commits, the second refused: neither is recorded.
  auto half = json::parse(push);
  auto second = half["commits"][0];
  second["id"] = "not a revision!";
  half["commits"].push_back(second);
  const auto half_text = half.dump();
  EXPECT_EQ(post("github", half_text,
                 with(json_push, "X-Hub-Signature-256", github_signature("s3cret", half_text)))
                .status,
            400u);
  EXPECT_EQ(post("gitlab", testing::fixture("gitlab_push.json"),
                 {{"Content-Type", "application/json"}, {"X-Gitlab-Token", "wrong"}})
                .status,
            403u);
  EXPECT_EQ(post("bitbucket", "{}", {}).status, 404u);
  auto get = post("base", "", {}, "who=a", "GET");
  EXPECT_EQ(get.status, 405u);
  ASSERT_EQ(get.headers.size(), 1u);
  EXPECT_EQ(get.headers[0], (std::pair<std::string, std::string>{"Allow", "POST"}));
  EXPECT_EQ(
      post("base", "comments=no+author", {{"Content-Type", "application/x-www-form-urlencoded"}})
          .status,
      400u);
  EXPECT_TRUE(recorded().empty());
}

TEST_F(ChangeHooksTest, GitLabAndBaseRecordTheirChangesInOneAppend) {
  auto gitlab = post("gitlab", testing::fixture("gitlab_push.json"),
                     {{"Content-Type", "application/json"}, {"X-Gitlab-Token", "gl-token"}});
  ASSERT_EQ(gitlab.status, 200u) << gitlab.body;
  EXPECT_EQ(json::parse(gitlab.body)["changes"], json::array({1, 2}));
  auto base = post("base", "author=alice&revision=abc&branch=main",
                   {{"Content-Type", "application/x-www-form-urlencoded"}}, "project=p");
  ASSERT_EQ(base.status, 200u) << base.body;
  EXPECT_EQ(json::parse(base.body)["changes"], json::array({3}));
  auto ping = post("github", "{}",
                   {{"Content-Type", "application/json"},
                    {"X-GitHub-Event", "ping"},
                    {"X-Hub-Signature-256", github_signature("s3cret", "{}")}});
  ASSERT_EQ(ping.status, 200u);
  EXPECT_EQ(json::parse(ping.body), (json{{"changes", json::array()}, {"note", "pong"}}));
  auto changes = recorded();
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].source(), "change_hook:gitlab");
  EXPECT_EQ(changes[2].who(), "alice");
  EXPECT_EQ(changes[2].project(), "p");
  EXPECT_EQ(changes[2].source(), "change_hook:base");
}

TEST_F(ChangeHooksTest, AReconfigWithoutAHookTurnsItOff) {
  config::MasterConfig config;
  config.web.change_hooks = {{"base", "{}"}};
  hooks_.configure(config);
  EXPECT_EQ(post("gitlab", "{}", {{"X-Gitlab-Token", "gl-token"}}).status, 404u);
  EXPECT_EQ(post("base", "who=a", {}).status, 200u);
}

}  // namespace
}  // namespace eventbot::gateway::hooks
