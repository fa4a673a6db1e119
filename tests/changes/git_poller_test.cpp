// The git poller against real repositories: `git` makes the repository, poll_once
// fetches it into a mirror, and the events go into a real RocksDB store.
#include "actors/changes/git_poller.hpp"

#include <gtest/gtest.h>

#include "actors/intake/limits.hpp"
#include "events/streams.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/changes/source_repo.hpp"

namespace eventbot::changes {
namespace {

using testing::Author;
using testing::SourceRepo;
using testing::TempDir;

constexpr std::int64_t kT0 = 1'700'000'000;

std::unique_ptr<store::RocksEventLog> open_log(const std::filesystem::path& dir) {
  store::RocksOptions options;
  options.dir = dir;
  auto log = store::RocksEventLog::open(options);
  EXPECT_TRUE(log) << (log ? "" : log.error().message);
  return log ? std::move(*log) : nullptr;
}

std::vector<events::Envelope> read_all(store::EventLog& log, const std::string& stream) {
  auto events = log.read_stream(stream, StreamVersion(1), 100000);
  EXPECT_TRUE(events);
  return events ? *events : std::vector<events::Envelope>{};
}

std::vector<events::ChangeAdded> changes_in(store::EventLog& log) {
  std::vector<events::ChangeAdded> out;
  for (const auto& event : read_all(log, streams::changes())) out.push_back(event.change_added());
  return out;
}

std::vector<std::string> files_of(const events::ChangeAdded& change) {
  return {change.files().begin(), change.files().end()};
}

// A poller as the actor runs it: a core folded from the log, a mirror in `workdir`.
struct Poller {
  Poller(config::ChangeSourceConfig config, const std::filesystem::path& workdir,
         store::EventLog& log)
      : core(config), repository(config.repository, workdir), log(log) {
    for (const auto& event : read_all(log, core.stream())) core.evolve(event);
  }

  // One poll; appends what it found, folds it back, and returns the number of changes.
  std::size_t poll() {
    auto request = poll_once(repository, core);
    EXPECT_TRUE(request) << (request ? "" : request.error());
    if (!request || request->events.empty()) return 0;
    auto changes = request->events.size() - 1;
    auto appended = log.append(std::move(*request));
    EXPECT_TRUE(appended) << (appended ? "" : appended.error().message);
    auto events = log.read_stream(core.stream(), core.version().next(), 1000);
    EXPECT_TRUE(events);
    for (const auto& event : *events) core.evolve(event);
    return changes;
  }

  GitPollerCore core;
  GitRepository repository;
  store::EventLog& log;
};

config::ChangeSourceConfig poller_config(const SourceRepo& repo) {
  config::ChangeSourceConfig config;
  config.type = config::ChangeSourceType::git_poller;
  config.name = "proj";
  config.repository = repo.path().string();
  config.project = "Proj";
  config.category = "core";
  return config;
}

TEST(GitPoller, RecordsEachNewCommitOnceAcrossRestarts) {
  SourceRepo repo;
  TempDir dir;
  repo.commit({{"README", "hello\n"}}, "Initial import", kT0);
  auto log = open_log(dir / "events");
  auto config = poller_config(repo);
  {
    Poller poller(config, dir / "mirror", *log);
    // The first poll takes the head as the position: history is not news.
    EXPECT_EQ(poller.poll(), 0u);
    EXPECT_EQ(poller.core.position("master"), repo.head());
    EXPECT_EQ(log->stream_version(streams::change_source("proj"))->value(), 1u);
    EXPECT_TRUE(changes_in(*log).empty());

    auto first = repo.commit({{"a.txt", "a\n"}, {"dir/b.txt", "b\n"}},
                             "Add a and b\n\nWith a longer explanation.", kT0 + 60,
                             Author{"Bob Builder", "bob@example.org"});
    EXPECT_EQ(poller.poll(), 1u);
    auto changes = changes_in(*log);
    ASSERT_EQ(changes.size(), 1u);
    const auto& change = changes[0];
    EXPECT_EQ(change.who(), "Bob Builder <bob@example.org>");
    EXPECT_EQ(files_of(change), (std::vector<std::string>{"a.txt", "dir/b.txt"}));
    EXPECT_EQ(change.comments(), "Add a and b\n\nWith a longer explanation.");
    EXPECT_EQ(change.revision(), first);
    EXPECT_EQ(change.branch(), "master");
    EXPECT_EQ(change.when_us(), (kT0 + 60) * 1'000'000);
    EXPECT_EQ(change.repository(), repo.path().string());
    EXPECT_EQ(change.project(), "Proj");
    EXPECT_EQ(change.category(), "core");
    EXPECT_EQ(change.source(), "gitpoller:proj");

    std::vector<std::string> three;
    for (int i = 1; i <= 3; ++i) {
      three.push_back(repo.commit({{"a.txt", std::to_string(i)}}, "change " + std::to_string(i),
                                  kT0 + 100 + i));
    }
    EXPECT_EQ(poller.poll(), 3u);
    changes = changes_in(*log);
    ASSERT_EQ(changes.size(), 4u);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(changes[1 + i].revision(), three[i]);
      EXPECT_EQ(changes[1 + i].comments(), "change " + std::to_string(i + 1));
      EXPECT_EQ(files_of(changes[1 + i]), (std::vector<std::string>{"a.txt"}));
    }
    EXPECT_EQ(poller.poll(), 0u);  // nothing new: nothing appended
    EXPECT_EQ(log->stream_version(streams::change_source("proj"))->value(), 3u);
  }

  // A restart: the store reopened, a new core folded from it, the same mirror.
  log.reset();
  log = open_log(dir / "events");
  {
    Poller poller(config, dir / "mirror", *log);
    EXPECT_EQ(poller.core.position("master"), repo.head());
    EXPECT_EQ(poller.poll(), 0u);
    EXPECT_EQ(changes_in(*log).size(), 4u);
  }
  // And with the mirror gone too: the position in the log is all it needs.
  std::filesystem::remove_all(dir / "mirror");
  auto later = repo.commit({{"c.txt", "c\n"}}, "Add c", kT0 + 500);
  Poller poller(config, dir / "mirror", *log);
  EXPECT_EQ(poller.poll(), 1u);
  auto changes = changes_in(*log);
  ASSERT_EQ(changes.size(), 5u);
  EXPECT_EQ(changes.back().revision(), later);
}

TEST(GitPoller, AMissingRepositoryIsAClearErrorAndAppendsNothing) {
  TempDir dir;
  auto log = open_log(dir / "events");
  config::ChangeSourceConfig config;
  config.type = config::ChangeSourceType::git_poller;
  config.name = "nowhere";
  config.repository = (dir / "does-not-exist").string();
  GitPollerCore core(config);
  GitRepository repository(config.repository, dir / "mirror");
  auto request = poll_once(repository, core);
  ASSERT_FALSE(request);
  EXPECT_NE(request.error().find("git fetch"), std::string::npos) << request.error();
  EXPECT_NE(request.error().find("does-not-exist"), std::string::npos) << request.error();
  EXPECT_EQ(log->head(), Sequence(0));
}

TEST(GitPoller, AWorkdirThatIsNotAMirrorIsRefused) {
  SourceRepo repo;
  repo.commit({{"README", "x"}}, "one", kT0);
  TempDir dir;
  std::ofstream(dir / "notes.txt") << "mine";
  GitRepository repository(repo.path().string(), dir.path());
  auto fetched = repository.fetch();
  ASSERT_FALSE(fetched);
  EXPECT_NE(fetched.error().find("not a bare git repository"), std::string::npos)
      << fetched.error();
}

TEST(GitPoller, ReadsRootAndMergeCommits) {
  SourceRepo repo;
  auto root = repo.commit({{"README", "r"}, {"src/main.c", "int main;"}}, "Root", kT0);
  repo.git({"checkout", "-q", "-b", "feature"});
  auto side = repo.commit({{"src/feature.c", "f"}}, "Feature", kT0 + 10);
  repo.git({"checkout", "-q", "master"});
  auto main_work = repo.commit({{"README", "r2"}}, "Main work", kT0 + 20);
  repo.git({"merge", "-q", "--no-ff", "-m", "Merge feature", "feature"}, kT0 + 30);
  auto merge = repo.head();

  TempDir dir;
  GitRepository repository(repo.path().string(), dir / "mirror");
  ASSERT_TRUE(repository.fetch());
  auto heads = repository.branch_heads();
  ASSERT_TRUE(heads);
  EXPECT_EQ(*heads, (std::map<std::string, std::string>{{"feature", side}, {"master", merge}}));

  auto root_commit = repository.read_commit(root);
  ASSERT_TRUE(root_commit) << root_commit.error();
  EXPECT_EQ(root_commit->files, (std::vector<std::string>{"README", "src/main.c"}));
  EXPECT_TRUE(root_commit->parents.empty());

  auto merge_commit = repository.read_commit(merge);
  ASSERT_TRUE(merge_commit) << merge_commit.error();
  EXPECT_EQ(merge_commit->parents, (std::vector<std::string>{main_work, side}));
  EXPECT_EQ(merge_commit->files, (std::vector<std::string>{"src/feature.c"}));  // vs first parent
  EXPECT_EQ(merge_commit->when_us, (kT0 + 30) * 1'000'000);

  // Everything the merge brought in, parents before children.
  auto listed = repository.commits_between(root, merge);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ(listed->back(), merge);
  EXPECT_EQ(std::count(listed->begin(), listed->end(), side), 1);
  EXPECT_EQ(std::count(listed->begin(), listed->end(), main_work), 1);
}

TEST(GitPoller, AllBranchesFollowsNewAndDeletedBranches) {
  SourceRepo repo;
  repo.commit({{"README", "r"}}, "Root", kT0);
  TempDir dir;
  auto log = open_log(dir / "events");
  auto config = poller_config(repo);
  config.all_branches = true;
  Poller poller(config, dir / "mirror", *log);
  EXPECT_EQ(poller.poll(), 0u);

  repo.git({"checkout", "-q", "-b", "feature/x"});
  EXPECT_EQ(poller.poll(), 0u);  // a new branch: its position, no history
  EXPECT_EQ(poller.core.position("feature/x"), repo.head());
  auto on_feature = repo.commit({{"f.txt", "f"}}, "On feature", kT0 + 10);
  EXPECT_EQ(poller.poll(), 1u);
  auto changes = changes_in(*log);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].branch(), "feature/x");
  EXPECT_EQ(changes[0].revision(), on_feature);

  repo.git({"checkout", "-q", "master"});
  repo.git({"branch", "-q", "-D", "feature/x"});
  EXPECT_EQ(poller.poll(), 0u);
  EXPECT_FALSE(poller.core.position("feature/x"));
  EXPECT_TRUE(poller.core.position("master"));
}

TEST(GitPoller, AForcePushRecordsTheRewrittenCommitsOnly) {
  SourceRepo repo;
  auto base = repo.commit({{"README", "r"}}, "Base", kT0);
  repo.commit({{"a", "1"}}, "Old one", kT0 + 10);
  TempDir dir;
  auto log = open_log(dir / "events");
  Poller poller(poller_config(repo), dir / "mirror", *log);
  EXPECT_EQ(poller.poll(), 0u);

  repo.git({"reset", "-q", "--hard", base});
  auto x1 = repo.commit({{"b", "1"}}, "New one", kT0 + 20);
  auto x2 = repo.commit({{"b", "2"}}, "New two", kT0 + 30);
  EXPECT_EQ(poller.poll(), 2u);
  auto changes = changes_in(*log);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].revision(), x1);
  EXPECT_EQ(changes[1].revision(), x2);

  // Moved back to an ancestor: no change, the position follows.
  repo.git({"reset", "-q", "--hard", base});
  EXPECT_EQ(poller.poll(), 0u);
  EXPECT_EQ(poller.core.position("master"), base);
}

TEST(GitPoller, AnUnrelatedHistoryIsTakenWithoutChanges) {
  SourceRepo repo;
  repo.commit({{"README", "r"}}, "Base", kT0);
  TempDir dir;
  auto log = open_log(dir / "events");
  Poller poller(poller_config(repo), dir / "mirror", *log);
  EXPECT_EQ(poller.poll(), 0u);
  repo.git({"checkout", "-q", "--orphan", "fresh"});
  repo.commit({{"other", "o"}}, "Unrelated", kT0 + 10);
  repo.git({"branch", "-q", "-M", "master"});
  EXPECT_EQ(poller.poll(), 0u);
  EXPECT_EQ(poller.core.position("master"), repo.head());
}

TEST(GitPoller, TextThatIsNotUtf8IsStoredReadably) {
  SourceRepo repo;
  repo.commit({{"README", "r"}}, "Base", kT0);
  TempDir dir;
  auto log = open_log(dir / "events");
  Poller poller(poller_config(repo), dir / "mirror", *log);
  EXPECT_EQ(poller.poll(), 0u);
  repo.write("caf\xE9.txt", "x");
  repo.commit_raw(
      "author Ren\xE9 <rene@example.org> 1700000010 +0000\n"
      "committer Ren\xE9 <rene@example.org> 1700000010 +0000",
      "Caf\xE9 in Latin-1");
  EXPECT_EQ(poller.poll(), 1u);
  log.reset();
  log = open_log(dir / "events");  // what was written must read back
  auto changes = changes_in(*log);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].comments(), "Caf\xEF\xBF\xBD in Latin-1");
  EXPECT_EQ(changes[0].who(), "Ren\xEF\xBF\xBD <rene@example.org>");
  EXPECT_EQ(files_of(changes[0]), (std::vector<std::string>{"caf\xEF\xBF\xBD.txt"}));
}

// A commit whose message is far over the comments' limit is recorded, cut with a
// marker, rather than dropped or recorded whole (actors/intake/limits.hpp).
TEST(GitPoller, AHugeCommitMessageIsCutWithAMarker) {
  SourceRepo repo;
  repo.commit({{"README", "r"}}, "Base", kT0);
  TempDir dir;
  auto log = open_log(dir / "events");
  Poller poller(poller_config(repo), dir / "mirror", *log);
  EXPECT_EQ(poller.poll(), 0u);
  const std::string message =
      "Subject\n\n" + std::string(100'000, 'm');  // one argv word: < 128 KiB
  const auto revision = repo.commit({{"a.c", "x"}}, message, kT0 + 10);
  EXPECT_EQ(poller.poll(), 1u);
  auto changes = changes_in(*log);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].revision(), revision);
  EXPECT_EQ(changes[0].comments().size(), intake::kComments.max_bytes);
  EXPECT_TRUE(changes[0].comments().starts_with("Subject\n\nmmm"));
  EXPECT_TRUE(changes[0].comments().ends_with(" [... truncated, " + std::to_string(message.size()) +
                                              " bytes in all]"))
      << changes[0].comments().substr(changes[0].comments().size() - 80);
}

TEST(RunGit, ReportsExitCodeAndOutputAndStopsAHungCommand) {
  TempDir dir;
  auto version = run_git({"--version"}, std::chrono::seconds(30));
  ASSERT_TRUE(version) << version.error();
  EXPECT_EQ(version->exit_code, 0);
  EXPECT_EQ(version->out.rfind("git version", 0), 0u);

  auto failed = run_git({"--git-dir=" + (dir / "none").string(), "rev-parse", "HEAD"},
                        std::chrono::seconds(30));
  ASSERT_TRUE(failed) << failed.error();
  EXPECT_NE(failed->exit_code, 0);
  EXPECT_NE(failed->err.find("not a git repository"), std::string::npos) << failed->err;

  // A command that does not finish is killed with everything it started.
  auto start = std::chrono::steady_clock::now();
  auto hung = run_git({"-c", "alias.hang=!sleep 30", "hang"}, std::chrono::seconds(1));
  ASSERT_FALSE(hung);
  EXPECT_NE(hung.error().find("no answer after 1 s"), std::string::npos) << hung.error();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace eventbot::changes
