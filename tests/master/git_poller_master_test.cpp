// The git poller inside a running master, end to end: a real repository the test
// commits to, the real `eventbot` daemon polling it, a tree-stable scheduler merging
// the polled changes into one buildset, everything checked through `eventbot-replay`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/changes/source_repo.hpp"
#include "tests/master/master_test_support.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::testing {
namespace {

using nlohmann::json;

std::string eventbot() {
  return binary_dir() + "/eventbot";
}

// Every event of the master's log as `eventbot-replay DIR list --json` prints it (DIR
// is the master's directory: the tool finds the store in it).
std::vector<json> events_of(const std::filesystem::path& dir) {
  auto result = run_process({binary_dir() + "/eventbot-replay", dir.string(), "list", "--json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::vector<json> out;
  std::size_t start = 0;
  while (start < result.out.size()) {
    auto end = result.out.find('\n', start);
    out.push_back(json::parse(result.out.substr(start, end - start)));
    start = end == std::string::npos ? result.out.size() : end + 1;
  }
  return out;
}

std::vector<json> bodies(const std::vector<json>& events, const std::string& body) {
  std::vector<json> out;
  for (const auto& e : events) {
    if (e.contains(body)) out.push_back(e[body]);
  }
  return out;
}

class GitPollerMaster : public ::testing::Test {
 protected:
  void TearDown() override {
    if (started_) run_process({eventbot(), "stop", master_.path().string()});
  }

  void start(const std::string& repository) {
    port_ = master_test::free_port();
    master_test::write_file(master_.path() / "master.yaml", R"(title: poller test
master: {id: poller-test, slave_port: )" + std::to_string(port_) +
                                                                R"(}
slaves:
  - {name: s1, password: pass}
change_sources:
  - {type: git_poller, name: src, repository: ")" + repository + R"(",
     branches: [master], poll_interval: 1, project: demo}
schedulers:
  - {type: single_branch, name: stable, branch: master, tree_stable_timer: 2,
     builders: [runtests]}
builders:
  - name: runtests
    slaves: [s1]
    steps:
      - {type: shell, name: test, command: "true"}
)");
    auto started = run_process({eventbot(), "start", master_.path().string()});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    started_ = true;
  }

  TempDir master_{"eventbot-poller-master"};
  unsigned short port_ = 0;
  bool started_ = false;
};

TEST_F(GitPollerMaster, PolledCommitsAreMergedIntoOneBuildsetAndSurviveARestart) {
  SourceRepo repo;
  repo.commit({{"README", "start\n"}}, "initial", SourceRepo::kDefaultTime);
  start(repo.path().string());

  // The first poll only records where the branch is: history never builds.
  ASSERT_TRUE(
      wait_until([&] { return !bodies(events_of(master_.path()), "change_source_state").empty(); },
                 std::chrono::seconds(30)));
  EXPECT_TRUE(bodies(events_of(master_.path()), "change_added").empty());
  // ... and says so, so that nobody waits for builds of the commits already there.
  const auto head = repo.head();
  EXPECT_NE(
      master_test::read_file(master_.path() / "master.log")
          .find("git poller src: first poll of branch master: starting from its head " + head),
      std::string::npos);

  // Three commits land between two polls: three changes, one buildset after the
  // tree-stable timer, with all three change ids. They are made on a side branch and
  // master moves to them in one step (as a push of three commits does), so that a slow
  // machine cannot spread them over polls further apart than the timer.
  repo.git({"checkout", "-q", "-b", "incoming"});
  std::vector<std::string> revisions;
  revisions.push_back(
      repo.commit({{"src/a.c", "int a;\n"}}, "add a", SourceRepo::kDefaultTime + 10));
  revisions.push_back(
      repo.commit({{"src/b.c", "int b;\n"}}, "add b", SourceRepo::kDefaultTime + 20));
  revisions.push_back(
      repo.commit({{"src/c.c", "int c;\n"}}, "add c", SourceRepo::kDefaultTime + 30));
  repo.git({"update-ref", "refs/heads/master", revisions.back()});
  ASSERT_TRUE(
      wait_until([&] { return !bodies(events_of(master_.path()), "buildset_submitted").empty(); },
                 std::chrono::seconds(30)));

  auto events = events_of(master_.path());
  auto changes = bodies(events, "change_added");
  ASSERT_EQ(changes.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(changes[i]["revision"], revisions[i]);
    EXPECT_EQ(changes[i]["branch"], "master");
    EXPECT_EQ(changes[i]["project"], "demo");
    EXPECT_EQ(changes[i]["who"], "Alice Example <alice@example.org>");
  }
  EXPECT_EQ(changes[1]["files"], json::array({"src/b.c"}));
  auto buildsets = bodies(events, "buildset_submitted");
  ASSERT_EQ(buildsets.size(), 1u);
  EXPECT_EQ(buildsets[0]["builder_names"], json::array({"runtests"}));
  const auto& stamp = buildsets[0]["sourcestamps"][0];
  EXPECT_EQ(stamp["revision"], revisions[2]);
  EXPECT_EQ(stamp["change_ids"], json::array({"1", "2", "3"}));

  // Restarted, the poller resumes from its position in the log: a new commit is the
  // only new change, and nothing from before is recorded again.
  auto restarted = run_process({eventbot(), "restart", master_.path().string()});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  auto last = repo.commit({{"src/d.c", "int d;\n"}}, "add d", SourceRepo::kDefaultTime + 40);
  repo.git({"update-ref", "refs/heads/master", last});
  ASSERT_TRUE(wait_until(
      [&] { return bodies(events_of(master_.path()), "buildset_submitted").size() == 2; },
      std::chrono::seconds(30)));
  changes = bodies(events_of(master_.path()), "change_added");
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[3]["revision"], last);
}

}  // namespace
}  // namespace eventbot::testing
