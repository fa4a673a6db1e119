// The change hooks' parsers: Buildbot's base fields (form and JSON), GitHub's push,
// pull_request and ping, GitLab's push, tag push and merge request, with payloads shaped
// as their documentation shows them; and what each refuses.
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "gateway/hooks/base_hook.hpp"
#include "gateway/hooks/form_fields.hpp"
#include "gateway/hooks/github_hook.hpp"
#include "gateway/hooks/gitlab_hook.hpp"
#include "gateway/hooks/timestamps.hpp"
#include "tests/gateway/hook_fixtures.hpp"

namespace eventbot::gateway::hooks {
namespace {

using nlohmann::json;
using testing::fixture;

std::vector<std::string> files_of(const events::ChangeAdded& change) {
  return {change.files().begin(), change.files().end()};
}

std::map<std::string, json> properties_of(const events::ChangeAdded& change) {
  std::map<std::string, json> out;
  for (const auto& p : change.properties()) out[p.name()] = json::parse(p.value_json());
  return out;
}

// --- timestamps and forms -------------------------------------------------------------

TEST(HookTimestamps, ReadIso8601WithZonesAndGitLabsUtcForm) {
  EXPECT_EQ(parse_timestamp_us("2015-05-05T19:40:15-04:00"), 1430869215000000);
  EXPECT_EQ(parse_timestamp_us("2015-05-05T23:40:15Z"), 1430869215000000);
  EXPECT_EQ(parse_timestamp_us("2011-12-12T14:27:31+02:00"), 1323692851000000);
  EXPECT_EQ(parse_timestamp_us("2012-01-03T23:36:29.123456Z"), 1325633789123456);
  EXPECT_EQ(parse_timestamp_us("2012-01-03T23:36:29.000Z"), 1325633789000000);
  EXPECT_EQ(parse_timestamp_us("2012-01-03 23:36:29 UTC"), 1325633789000000);
  EXPECT_EQ(parse_timestamp_us("2016-02-29T00:00:00Z"), 1456704000000000);
}

TEST(HookTimestamps, RefuseWhatIsNotATime) {
  for (const char* text :
       {"", "2015-05-05", "2015-05-05T19:40:15", "2015-13-05T19:40:15Z", "2015-02-29T00:00:00Z",
        "2015-05-05T24:00:00Z", "2015-05-05T19:40:15+0", "1969-12-31T23:59:59Z",
        "2015-05-05T19:40:15.Z", "2015-05-05T19:40:15Zjunk", "1430869215"}) {
    EXPECT_FALSE(parse_timestamp_us(text)) << text;
  }
}

TEST(HookForms, DecodeFieldsInOrderAndRefuseBadEncoding) {
  auto fields = parse_form("who=alice+b&files=%5B%22a.c%22%5D&who=second&empty");
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->size(), 4u);
  EXPECT_EQ(first_value(*fields, "who"), "alice b");
  EXPECT_EQ(first_value(*fields, "files"), R"(["a.c"])");
  EXPECT_EQ(first_value(*fields, "empty"), "");
  EXPECT_FALSE(first_value(*fields, "none"));
  EXPECT_FALSE(parse_form("a=%zz"));
  EXPECT_FALSE(parse_form("a=%4"));
  EXPECT_EQ(media_type(" Application/JSON ; charset=utf-8"), "application/json");
}

// --- base -------------------------------------------------------------------------------

TEST(BaseHook, AFormPostMakesOneChangeWithTheManualsFields) {
  const std::string body =
      "author=alice+%3Calice%40example.org%3E&comments=fix+the+build%0Aand+more"
      "&files=%5B%22src%2Fa.c%22%2C%22README%22%5D&revision=abc123&when_timestamp=1430869215"
      "&branch=main&category=push&revlink=https%3A%2F%2Fexample.org%2Fabc123"
      "&properties=%7B%22reason%22%3A%22nightly%22%2C%22count%22%3A3%7D"
      "&repository=https%3A%2F%2Fexample.org%2Frepo.git&project=proj&codebase=core";
  auto result = parse_base_hook("application/x-www-form-urlencoded", body, "");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->changes.size(), 1u);
  const auto& c = result->changes[0];
  EXPECT_EQ(c.who(), "alice <alice@example.org>");
  EXPECT_EQ(c.comments(), "fix the build\nand more");
  EXPECT_EQ(files_of(c), (std::vector<std::string>{"src/a.c", "README"}));
  EXPECT_EQ(c.revision(), "abc123");
  EXPECT_EQ(c.when_us(), 1430869215000000);
  EXPECT_EQ(c.branch(), "main");
  EXPECT_EQ(c.category(), "push");
  EXPECT_EQ(c.revlink(), "https://example.org/abc123");
  EXPECT_EQ(c.repository(), "https://example.org/repo.git");
  EXPECT_EQ(c.project(), "proj");
  EXPECT_EQ(c.codebase(), "core");
  EXPECT_EQ(properties_of(c), (std::map<std::string, json>{{"reason", "nightly"}, {"count", 3}}));
}

TEST(BaseHook, JsonBodiesOldNamesAndTheQueryStringWork) {
  auto result = parse_base_hook(
      "application/json; charset=utf-8",
      R"({"who": "bob", "files": ["x"], "when": 12.5, "properties": {"p": [1, 2]}})",
      "branch=dev&who=ignored");
  ASSERT_TRUE(result) << result.error().message;
  const auto& c = result->changes.at(0);
  EXPECT_EQ(c.who(), "bob");
  EXPECT_EQ(c.branch(), "dev");
  EXPECT_EQ(c.when_us(), 12500000);
  EXPECT_EQ(files_of(c), std::vector<std::string>{"x"});
  EXPECT_EQ(properties_of(c).at("p"), json::array({1, 2}));
}

TEST(BaseHook, MalformedInputIsA400AndOtherBodyTypesA415) {
  struct Case {
    std::string type, body;
    unsigned status;
  };
  for (const auto& [type, body, status] : std::vector<Case>{
           {"application/json", "{not json", 400},
           {"application/json", "[1]", 400},
           {"application/json", R"({"who": 3})", 400},
           {"application/json", R"({"comments": "no author"})", 400},
           {"application/json", R"({"who": "a", "files": "a.c"})", 400},
           {"application/json", R"({"who": "a", "files": [1]})", 400},
           {"application/json", R"({"who": "a", "properties": [1]})", 400},
           {"application/json", R"({"who": "a", "when": "yesterday"})", 400},
           {"application/json", R"({"who": "a", "when": -1})", 400},
           {"application/x-www-form-urlencoded", "who=a&properties=%7Bbad", 400},
           {"application/x-www-form-urlencoded", "who=%G1", 400},
           {"multipart/form-data; boundary=x", "--x--", 415},
       }) {
    auto result = parse_base_hook(type, body, "");
    ASSERT_FALSE(result) << body;
    EXPECT_EQ(result.error().status, status) << body << ": " << result.error().message;
  }
}

// --- GitHub -----------------------------------------------------------------------------

TEST(GitHubHook, APushMakesAChangePerDistinctCommit) {
  auto result = parse_github_hook("push", "application/json", fixture("github_push.json"), "");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->changes.size(), 1u);
  const auto& c = result->changes[0];
  EXPECT_EQ(c.revision(), "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  EXPECT_EQ(c.who(), "baxterthehacker <baxterthehacker@users.noreply.github.com>");
  EXPECT_EQ(c.comments(), "Update README.md");
  EXPECT_EQ(files_of(c), std::vector<std::string>{"README.md"});
  EXPECT_EQ(c.when_us(), 1430869215000000);
  EXPECT_EQ(c.branch(), "changes");
  EXPECT_EQ(c.category(), "push");
  EXPECT_EQ(c.repository(), "https://github.com/baxterthehacker/public-repo");
  EXPECT_EQ(c.project(), "baxterthehacker/public-repo");
  EXPECT_EQ(c.revlink(),
            "https://github.com/baxterthehacker/public-repo/commit/"
            "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  EXPECT_EQ(properties_of(c),
            (std::map<std::string, json>{{"github_distinct", true}, {"event", "push"}}));
}

TEST(GitHubHook, NonDistinctCommitsAreSkippedAndTheQuerySetsProjectAndCodebase) {
  auto payload = json::parse(fixture("github_push.json"));
  auto second = payload["commits"][0];
  second["id"] = "1111111111111111111111111111111111111111";
  second["distinct"] = false;
  payload["commits"].push_back(second);
  auto third = payload["commits"][0];
  third["id"] = "2222222222222222222222222222222222222222";
  third["added"] = {"new.c"};
  payload["commits"].push_back(third);
  auto result = parse_github_hook("push", "application/json", payload.dump(),
                                  "project=web&codebase=frontend");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->changes.size(), 2u);
  EXPECT_EQ(result->changes[1].revision(), "2222222222222222222222222222222222222222");
  EXPECT_EQ(files_of(result->changes[1]), (std::vector<std::string>{"new.c", "README.md"}));
  for (const auto& c : result->changes) {
    EXPECT_EQ(c.project(), "web");
    EXPECT_EQ(c.codebase(), "frontend");
  }
}

TEST(GitHubHook, ADeletedRefMakesNoChangeAndATagItsHeadCommit) {
  auto deleted =
      parse_github_hook("push", "application/json", fixture("github_push_deleted_tag.json"), "");
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_TRUE(deleted->changes.empty());
  EXPECT_NE(deleted->note.find("deleted"), std::string::npos);

  auto payload = json::parse(fixture("github_push.json"));
  payload["ref"] = "refs/tags/v1.0";
  payload["commits"] = json::array();
  auto tag = parse_github_hook("push", "application/json", payload.dump(), "");
  ASSERT_TRUE(tag) << tag.error().message;
  ASSERT_EQ(tag->changes.size(), 1u);
  EXPECT_EQ(tag->changes[0].branch(), "v1.0");
  EXPECT_EQ(tag->changes[0].category(), "tag");
  EXPECT_EQ(tag->changes[0].revision(), "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
}

TEST(GitHubHook, AFormEncodedPayloadIsReadLikeJson) {
  std::string encoded;
  for (unsigned char ch : fixture("github_push.json")) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    if (std::isalnum(ch)) {
      encoded += static_cast<char>(ch);
    } else {
      encoded += '%';
      encoded += kHex[ch >> 4];
      encoded += kHex[ch & 15];
    }
  }
  auto result =
      parse_github_hook("push", "application/x-www-form-urlencoded", "payload=" + encoded, "");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->changes.size(), 1u);
  EXPECT_EQ(result->changes[0].revision(), "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
}

TEST(GitHubHook, AnOpenedPullRequestMakesAChangeOnItsMergeRef) {
  auto result = parse_github_hook("pull_request", "application/json",
                                  fixture("github_pull_request.json"), "");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->changes.size(), 1u);
  const auto& c = result->changes[0];
  EXPECT_EQ(c.revision(), "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  EXPECT_EQ(c.branch(), "refs/pull/1/merge");
  EXPECT_EQ(c.category(), "pull");
  EXPECT_EQ(c.who(), "baxterthehacker");
  EXPECT_EQ(c.comments(),
            "GitHub Pull Request #1 (1 commit)\nUpdate the README with new information\n"
            "This is a pretty simple change that we need to pull into master.");
  EXPECT_EQ(c.when_us(), 1430869227000000);
  EXPECT_EQ(c.revlink(), "https://github.com/baxterthehacker/public-repo/pull/1");
  EXPECT_EQ(c.repository(), "https://github.com/baxterthehacker/public-repo");
  EXPECT_EQ(c.project(), "baxterthehacker/public-repo");
  auto properties = properties_of(c);
  EXPECT_EQ(properties.at("github.number"), 1);
  EXPECT_EQ(properties.at("github.head.ref"), "changes");
  EXPECT_EQ(properties.at("github.base.ref"), "master");
  EXPECT_EQ(properties.at("basename"), "master");
  EXPECT_EQ(properties.at("event"), "pull_request");
}

TEST(GitHubHook, OtherPullRequestActionsAndPingsMakeNoChange) {
  auto payload = json::parse(fixture("github_pull_request.json"));
  payload["action"] = "closed";
  auto closed = parse_github_hook("pull_request", "application/json", payload.dump(), "");
  ASSERT_TRUE(closed) << closed.error().message;
  EXPECT_TRUE(closed->changes.empty());
  payload["action"] = "synchronize";
  auto synchronized = parse_github_hook("pull_request", "application/json", payload.dump(), "");
  ASSERT_TRUE(synchronized);
  EXPECT_EQ(synchronized->changes.size(), 1u);

  auto ping = parse_github_hook("ping", "application/json", fixture("github_ping.json"), "");
  ASSERT_TRUE(ping) << ping.error().message;
  EXPECT_TRUE(ping->changes.empty());
  EXPECT_EQ(ping->note, "pong");
}

TEST(GitHubHook, MalformedPayloadsAndUnknownEventsAre400) {
  auto push = json::parse(fixture("github_push.json"));
  auto no_ref = push;
  no_ref.erase("ref");
  auto bad_time = push;
  bad_time["commits"][0]["timestamp"] = "yesterday";
  auto no_id = push;
  no_id["commits"][0].erase("id");
  auto commits_not_list = push;
  commits_not_list["commits"] = "x";
  auto pr = json::parse(fixture("github_pull_request.json"));
  auto no_sha = pr;
  no_sha["pull_request"]["head"].erase("sha");
  struct Case {
    std::string event, body;
  };
  for (const auto& [event, body] : std::vector<Case>{
           {"push", "{"},
           {"push", "[]"},
           {"push", no_ref.dump()},
           {"push", bad_time.dump()},
           {"push", no_id.dump()},
           {"push", commits_not_list.dump()},
           {"pull_request", no_sha.dump()},
           {"issues", push.dump()},
           {"", push.dump()},
       }) {
    auto result = parse_github_hook(event, "application/json", body, "");
    ASSERT_FALSE(result) << event << " " << body.substr(0, 80);
    EXPECT_EQ(result.error().status, 400u);
  }
  auto wrong_type = parse_github_hook("push", "text/plain", push.dump(), "");
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().status, 415u);
}

// --- GitLab -----------------------------------------------------------------------------

TEST(GitLabHook, APushMakesAChangePerCommit) {
  auto result = parse_gitlab_hook(fixture("gitlab_push.json"), "");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->changes.size(), 2u);
  const auto& first = result->changes[0];
  EXPECT_EQ(first.revision(), "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327");
  EXPECT_EQ(first.who(), "Jordi Mallach <jordi@softcatala.org>");
  EXPECT_EQ(first.comments(),
            "Update Catalan translation to e38cb41.\n\nSee https://gitlab.com/gitlab-org/gitlab "
            "for more information");
  EXPECT_EQ(files_of(first),
            (std::vector<std::string>{"CHANGELOG", "app/controller/application.rb"}));
  EXPECT_EQ(first.when_us(), 1323692851000000);
  EXPECT_EQ(first.branch(), "master");
  EXPECT_EQ(first.category(), "push");
  EXPECT_EQ(first.repository(), "git@example.com:mike/diaspora.git");
  EXPECT_EQ(first.project(), "mike/diaspora");
  EXPECT_EQ(first.revlink(),
            "http://example.com/mike/diaspora/commit/b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327");
  EXPECT_EQ(result->changes[1].revision(), "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
  EXPECT_EQ(result->changes[1].when_us(), 1325626589000000);
}

TEST(GitLabHook, ADeletedBranchMakesNoChange) {
  auto payload = json::parse(fixture("gitlab_push.json"));
  payload["after"] = "0000000000000000000000000000000000000000";
  payload["checkout_sha"] = nullptr;
  payload["commits"] = json::array();
  auto result = parse_gitlab_hook(payload.dump(), "");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->changes.empty());
}

TEST(GitLabHook, ATagPushMakesOneChangeForTheTaggedCommit) {
  auto result = parse_gitlab_hook(fixture("gitlab_tag_push.json"), "codebase=lib");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->changes.size(), 1u);
  const auto& c = result->changes[0];
  EXPECT_EQ(c.revision(), "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7");
  EXPECT_EQ(c.branch(), "v1.0.0");
  EXPECT_EQ(c.category(), "tag");
  EXPECT_EQ(c.who(), "John Smith");
  EXPECT_EQ(c.comments(), "Tag message");
  EXPECT_EQ(c.repository(), "ssh://git@example.com/jsmith/example.git");
  EXPECT_EQ(c.project(), "jsmith/example");
  EXPECT_EQ(c.codebase(), "lib");
}

TEST(GitLabHook, AnOpenedMergeRequestMakesAChangeForItsLastCommit) {
  auto result = parse_gitlab_hook(fixture("gitlab_merge_request.json"), "");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->changes.size(), 1u);
  const auto& c = result->changes[0];
  EXPECT_EQ(c.revision(), "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
  EXPECT_EQ(c.who(), "GitLab dev user <gitlabdev@dv6700.(none)>");
  EXPECT_EQ(c.comments(), "MR#1: MS-Viewport\n\n");
  EXPECT_EQ(c.branch(), "master");
  EXPECT_EQ(c.category(), "merge_request");
  EXPECT_EQ(c.revlink(), "http://example.com/diaspora/merge_requests/1");
  EXPECT_EQ(c.repository(), "git@example.com:awesome_space/awesome_project.git");
  EXPECT_EQ(c.project(), "awesome_space/awesome_project");
  auto properties = properties_of(c);
  EXPECT_EQ(properties.at("source_branch"), "ms-viewport");
  EXPECT_EQ(properties.at("target_branch"), "master");
  EXPECT_EQ(properties.at("source_repository"),
            "http://example.com/awesome_space/awesome_project.git");
  EXPECT_EQ(properties.at("gitlab.mr"), 1);
}

TEST(GitLabHook, MergeRequestsWithoutNewCodeAndOtherKindsMakeNoChange) {
  auto payload = json::parse(fixture("gitlab_merge_request.json"));
  payload["object_attributes"]["action"] = "update";
  auto retitled = parse_gitlab_hook(payload.dump(), "");
  ASSERT_TRUE(retitled);
  EXPECT_TRUE(retitled->changes.empty());
  payload["object_attributes"]["oldrev"] = "95790bf891e76fee5e1747ab589903a6a1f80f22";
  auto pushed = parse_gitlab_hook(payload.dump(), "");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->changes.size(), 1u);
  payload["object_attributes"]["state"] = "merged";
  payload["object_attributes"]["action"] = "merge";
  auto merged = parse_gitlab_hook(payload.dump(), "");
  ASSERT_TRUE(merged);
  EXPECT_TRUE(merged->changes.empty());
  auto note = parse_gitlab_hook(R"({"object_kind": "note"})", "");
  ASSERT_TRUE(note);
  EXPECT_TRUE(note->changes.empty());
}

TEST(GitLabHook, MalformedPayloadsAre400) {
  auto push = json::parse(fixture("gitlab_push.json"));
  auto no_commits = push;
  no_commits.erase("commits");
  auto bad_time = push;
  bad_time["commits"][1]["timestamp"] = "2012-01-03";
  auto mr = json::parse(fixture("gitlab_merge_request.json"));
  auto no_commit = mr;
  no_commit["object_attributes"].erase("last_commit");
  for (const std::string& body : {std::string("not json"), std::string(R"({"no": "kind"})"),
                                  no_commits.dump(), bad_time.dump(), no_commit.dump()}) {
    auto result = parse_gitlab_hook(body, "");
    ASSERT_FALSE(result) << body.substr(0, 80);
    EXPECT_EQ(result.error().status, 400u);
  }
}

}  // namespace
}  // namespace eventbot::gateway::hooks
