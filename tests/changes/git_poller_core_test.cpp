// The git poller's pure core: hand-made polls in, events out, folded back as a store
// would number them. No git, no store, no clock.
#include "actors/changes/git_poller_core.hpp"

#include <gtest/gtest.h>

#include "actors/changes/git_poller.hpp"
#include "actors/intake/limits.hpp"
#include "common/regex.hpp"
#include "events/streams.hpp"

namespace eventbot::changes {
namespace {

config::ChangeSourceConfig poller(std::vector<std::string> branches = {}, bool all = false) {
  config::ChangeSourceConfig c;
  c.type = config::ChangeSourceType::git_poller;
  c.name = "proj";
  c.repository = "https://example.org/proj.git";
  c.branches = std::move(branches);
  c.all_branches = all;
  c.project = "Proj";
  c.category = "core";
  return c;
}

GitCommit commit(const std::string& revision, std::int64_t seconds) {
  GitCommit c;
  c.revision = revision;
  c.author = "Alice <alice@example.org>";
  c.when_us = seconds * 1'000'000;
  c.comments = "commit " + revision;
  c.files = {"src/" + revision + ".cpp", "README"};
  return c;
}

BranchPoll branch(const std::string& head, const std::string& since = "",
                  std::vector<GitCommit> commits = {}) {
  return BranchPoll{head, since, std::move(commits)};
}

// A log reduced to what the core needs: versions per stream, checked and assigned.
struct FakeLog {
  std::map<std::string, std::uint64_t> versions;
  std::vector<events::Envelope> events;

  bool append(const store::AppendRequest& request) {
    for (const auto& [stream, expected] : request.expected) {
      if (!expected.matches(StreamVersion(versions[stream]))) return false;
    }
    for (auto event : request.events) {
      event.set_sequence(events.size() + 1);
      event.set_stream_version(++versions[event.stream()]);
      events.push_back(std::move(event));
    }
    return true;
  }
  void fold_into(GitPollerCore& core, std::size_t from = 0) const {
    for (std::size_t i = from; i < events.size(); ++i) core.evolve(events[i]);
  }
  // Appends and folds the new events into `core`.
  void commit(GitPollerCore& core, const store::AppendRequest& request) {
    auto before = events.size();
    ASSERT_TRUE(append(request));
    fold_into(core, before);
  }
};

std::vector<events::ChangeAdded> changes_of(const store::AppendRequest& request) {
  std::vector<events::ChangeAdded> out;
  for (const auto& event : request.events) {
    if (event.has_change_added()) {
      EXPECT_EQ(event.stream(), streams::changes());
      out.push_back(event.change_added());
    }
  }
  return out;
}

std::map<std::string, std::string> positions_of(const store::AppendRequest& request) {
  EXPECT_FALSE(request.events.empty());
  const auto& last = request.events.back();
  EXPECT_TRUE(last.has_change_source_state());
  const auto& positions = last.change_source_state().positions();
  return {positions.begin(), positions.end()};
}

TEST(GitPollerCore, FirstPollRecordsThePositionWithoutHistory) {
  GitPollerCore core(poller());
  PollResult poll;
  poll.branches["master"] = branch("aaaa", "", {commit("1111", 1), commit("aaaa", 2)});
  auto request = core.decide(poll);
  ASSERT_EQ(request.events.size(), 1u);
  EXPECT_TRUE(changes_of(request).empty());
  EXPECT_EQ(request.events[0].stream(), streams::change_source("proj"));
  EXPECT_EQ(request.events[0].change_source_state().change_source(), "proj");
  EXPECT_EQ(positions_of(request), (std::map<std::string, std::string>{{"master", "aaaa"}}));
  ASSERT_EQ(request.expected.count(core.stream()), 1u);
  EXPECT_TRUE(request.expected.at(core.stream()).matches(StreamVersion(0)));
  EXPECT_FALSE(request.expected.at(core.stream()).matches(StreamVersion(1)));
}

TEST(GitPollerCore, NewCommitsGiveOneChangeEachOldestFirst) {
  GitPollerCore core(poller());
  FakeLog log;
  PollResult first;
  first.branches["master"] = branch("aaaa");
  log.commit(core, core.decide(first));
  EXPECT_EQ(core.position("master"), "aaaa");
  EXPECT_EQ(core.version(), StreamVersion(1));

  PollResult second;
  second.branches["master"] =
      branch("cccc", "aaaa", {commit("1111", 10), commit("2222", 20), commit("cccc", 30)});
  auto request = core.decide(second);
  auto changes = changes_of(request);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].revision(), "1111");
  EXPECT_EQ(changes[1].revision(), "2222");
  EXPECT_EQ(changes[2].revision(), "cccc");
  const auto& c = changes[0];
  EXPECT_EQ(c.who(), "Alice <alice@example.org>");
  EXPECT_EQ(c.comments(), "commit 1111");
  EXPECT_EQ(std::vector<std::string>(c.files().begin(), c.files().end()),
            (std::vector<std::string>{"src/1111.cpp", "README"}));
  EXPECT_EQ(c.branch(), "master");
  EXPECT_EQ(c.when_us(), 10'000'000);
  EXPECT_EQ(c.repository(), "https://example.org/proj.git");
  EXPECT_EQ(c.project(), "Proj");
  EXPECT_EQ(c.category(), "core");
  EXPECT_EQ(c.source(), "gitpoller:proj");
  // The position comes last, in the same batch, checked against the folded version.
  EXPECT_EQ(positions_of(request), (std::map<std::string, std::string>{{"master", "cccc"}}));
  EXPECT_TRUE(request.expected.at(core.stream()).matches(StreamVersion(1)));
  EXPECT_FALSE(request.expected.at(core.stream()).matches(StreamVersion(0)));
  log.commit(core, request);
  EXPECT_EQ(core.position("master"), "cccc");
  EXPECT_EQ(core.version(), StreamVersion(2));
}

// Commit data is the repository's, not ours to refuse: a commit with an author in
// Latin-1, a 1 MB message and a branch of 30,000 characters is recorded, every text
// valid UTF-8 and within its limit (actors/intake/limits.hpp), cut with a marker.
TEST(GitPollerCore, HugeOrBrokenCommitDataIsCutNotDropped) {
  const std::string huge_branch(30'000, 'x');
  auto config = poller({huge_branch});
  GitPollerCore core(config);
  FakeLog log;
  PollResult first;
  first.branches[huge_branch] = branch("aaaa");
  log.commit(core, core.decide(first));
  auto big = commit("bbbb", 5);
  big.author = "J\xF6rg <j@example.org>";
  big.comments = std::string(1'000'000, 'm');
  big.files = {"caf\xE9.c"};
  PollResult second;
  second.branches[huge_branch] = branch("bbbb", "aaaa", {big});
  auto request = core.decide(second);
  auto changes = changes_of(request);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].who(), "J\xEF\xBF\xBDrg <j@example.org>");
  EXPECT_EQ(changes[0].files(0), "caf\xEF\xBF\xBD.c");
  EXPECT_EQ(changes[0].comments().size(), intake::kComments.max_bytes);
  EXPECT_NE(changes[0].comments().find("[... truncated, 1000000 bytes in all]"), std::string::npos);
  EXPECT_EQ(changes[0].branch().size(), intake::kBranch.max_bytes);
  EXPECT_EQ(changes[0].revision(), "bbbb");
  // The position is still the real branch name: the next poll finds it.
  EXPECT_EQ(positions_of(request), (std::map<std::string, std::string>{{huge_branch, "bbbb"}}));
  ASSERT_TRUE(log.append(request));
}

TEST(GitPollerCore, NothingNewGivesAnEmptyRequest) {
  GitPollerCore core(poller());
  FakeLog log;
  PollResult poll;
  poll.branches["master"] = branch("aaaa");
  log.commit(core, core.decide(poll));
  PollResult again;
  again.branches["master"] = branch("aaaa", "aaaa");
  auto request = core.decide(again);
  EXPECT_TRUE(request.events.empty());
  EXPECT_TRUE(request.expected.empty());
}

TEST(GitPollerCore, AFreshCoreFoldedFromTheLogRecordsNothingTwice) {
  FakeLog log;
  PollResult first;
  first.branches["master"] = branch("aaaa");
  PollResult second;
  second.branches["master"] = branch("cccc", "aaaa", {commit("bbbb", 1), commit("cccc", 2)});
  {
    GitPollerCore core(poller());
    log.commit(core, core.decide(first));
    log.commit(core, core.decide(second));
  }
  GitPollerCore restarted(poller());
  log.fold_into(restarted);
  EXPECT_EQ(restarted.position("master"), "cccc");
  // The same poll again (listed against the old position) is not used...
  EXPECT_TRUE(restarted.decide(second).events.empty());
  // ...and a poll listed against the folded position finds nothing new.
  PollResult now;
  now.branches["master"] = branch("cccc", "cccc");
  EXPECT_TRUE(restarted.decide(now).events.empty());
}

TEST(GitPollerCore, AStaleCoreIsRefusedByTheExpectedVersion) {
  FakeLog log;
  GitPollerCore a(poller()), b(poller());
  PollResult first;
  first.branches["master"] = branch("aaaa");
  log.commit(a, a.decide(first));
  log.fold_into(b);
  PollResult second;
  second.branches["master"] = branch("bbbb", "aaaa", {commit("bbbb", 1)});
  auto from_a = a.decide(second);
  auto from_b = b.decide(second);
  ASSERT_TRUE(log.append(from_a));
  EXPECT_FALSE(log.append(from_b));  // a second writer at the same position: no duplicate
}

TEST(GitPollerCore, AllBranchesPicksUpANewBranchWithoutItsHistory) {
  GitPollerCore core(poller({}, true));
  FakeLog log;
  PollResult first;
  first.branches["master"] = branch("aaaa");
  log.commit(core, core.decide(first));

  PollResult second;
  second.branches["master"] = branch("aaaa", "aaaa");
  second.branches["feature/x"] = branch("ffff", "", {commit("eeee", 1), commit("ffff", 2)});
  auto request = core.decide(second);
  EXPECT_TRUE(changes_of(request).empty());
  EXPECT_EQ(positions_of(request),
            (std::map<std::string, std::string>{{"master", "aaaa"}, {"feature/x", "ffff"}}));
  log.commit(core, request);

  PollResult third;
  third.branches["master"] = branch("aaaa", "aaaa");
  third.branches["feature/x"] = branch("gggg", "ffff", {commit("gggg", 3)});
  auto changes = changes_of(core.decide(third));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].branch(), "feature/x");
  EXPECT_EQ(changes[0].revision(), "gggg");
}

TEST(GitPollerCore, ADeletedBranchIsDroppedFromThePositions) {
  GitPollerCore core(poller({}, true));
  FakeLog log;
  PollResult first;
  first.branches["master"] = branch("aaaa");
  first.branches["old"] = branch("bbbb");
  log.commit(core, core.decide(first));
  PollResult second;
  second.branches["master"] = branch("aaaa", "aaaa");
  auto request = core.decide(second);
  EXPECT_TRUE(changes_of(request).empty());
  EXPECT_EQ(positions_of(request), (std::map<std::string, std::string>{{"master", "aaaa"}}));
  log.commit(core, request);
  EXPECT_FALSE(core.position("old"));
}

TEST(GitPollerCore, PollsTheListedBranchesOrMasterByDefault) {
  GitPollerCore by_default(poller());
  EXPECT_TRUE(by_default.polls("master"));
  EXPECT_FALSE(by_default.polls("main"));
  GitPollerCore listed(poller({"main", "release"}));
  EXPECT_TRUE(listed.polls("main"));
  EXPECT_TRUE(listed.polls("release"));
  EXPECT_FALSE(listed.polls("master"));
  GitPollerCore all(poller({}, true));
  EXPECT_TRUE(all.polls("anything/at/all"));

  std::map<std::string, std::string> heads{{"main", "1"}, {"master", "2"}, {"release", "3"}};
  EXPECT_EQ(listed.select(heads),
            (std::map<std::string, std::string>{{"main", "1"}, {"release", "3"}}));

  // A branch not polled is ignored even when the poll names it.
  PollResult poll;
  poll.branches["master"] = branch("aaaa");
  poll.branches["other"] = branch("bbbb");
  EXPECT_EQ(positions_of(by_default.decide(poll)),
            (std::map<std::string, std::string>{{"master", "aaaa"}}));
}

TEST(GitPollerCore, ABranchNoLongerPolledIsDropped) {
  FakeLog log;
  {
    GitPollerCore both(poller({"master", "dev"}));
    PollResult poll;
    poll.branches["master"] = branch("aaaa");
    poll.branches["dev"] = branch("dddd");
    log.commit(both, both.decide(poll));
  }
  GitPollerCore master_only(poller({"master"}));
  log.fold_into(master_only);
  PollResult poll;
  poll.branches["master"] = branch("aaaa", "aaaa");
  EXPECT_EQ(positions_of(master_only.decide(poll)),
            (std::map<std::string, std::string>{{"master", "aaaa"}}));
}

TEST(GitPollerCore, AForcePushRecordsTheCommitsListedAndTakesTheNewHead) {
  GitPollerCore core(poller());
  FakeLog log;
  PollResult first;
  first.branches["master"] = branch("cccc");
  log.commit(core, core.decide(first));
  // cccc was rewritten: the poll lists what is new since the common ancestor.
  PollResult forced;
  forced.branches["master"] = branch("yyyy", "cccc", {commit("xxxx", 5), commit("yyyy", 6)});
  auto request = core.decide(forced);
  auto changes = changes_of(request);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].revision(), "xxxx");
  EXPECT_EQ(positions_of(request), (std::map<std::string, std::string>{{"master", "yyyy"}}));
  // A head moved back to an ancestor lists nothing: no change, the position follows.
  log.commit(core, request);
  PollResult reset;
  reset.branches["master"] = branch("aaaa", "yyyy");
  request = core.decide(reset);
  EXPECT_TRUE(changes_of(request).empty());
  EXPECT_EQ(positions_of(request), (std::map<std::string, std::string>{{"master", "aaaa"}}));
}

TEST(GitPollerCore, RepositoryNameOverridesTheRepositoryOnChanges) {
  auto config = poller();
  config.repository_name = "proj";
  GitPollerCore core(config);
  FakeLog log;
  PollResult first;
  first.branches["master"] = branch("aaaa");
  log.commit(core, core.decide(first));
  PollResult second;
  second.branches["master"] = branch("bbbb", "aaaa", {commit("bbbb", 1)});
  auto changes = changes_of(core.decide(second));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].repository(), "proj");
}

TEST(GitPollerCore, FoldsOnlyItsOwnStream) {
  GitPollerCore core(poller());
  events::Envelope other;
  other.set_stream(streams::change_source("someone-else"));
  other.set_stream_version(7);
  (*other.mutable_change_source_state()->mutable_positions())["master"] = "ffff";
  core.evolve(other);
  events::Envelope change;
  change.set_stream(streams::changes());
  change.set_stream_version(3);
  change.mutable_change_added()->set_revision("eeee");
  core.evolve(change);
  EXPECT_EQ(core.version(), StreamVersion(0));
  EXPECT_TRUE(core.positions().empty());
}

// The default mirror is named by a hash: a URL's token must not become a directory
// name (ls, backups, error messages show it), and two pollers never share a mirror.
TEST(GitPollerWorkdir, DefaultsUnderTheMasterDirectoryNamedByAHash) {
  auto config = poller();
  config.repository = "https://ghp_SECRETTOKEN@example.org/a/b.git";
  config.name = "https://***@example.org/a/b.git";
  const auto workdir = git_poller_workdir(config, "/m");
  EXPECT_EQ(workdir.parent_path(), "/m");
  EXPECT_TRUE(Regex::compile("gitpoller-[0-9a-f]{16}")->full_match(workdir.filename().string()))
      << workdir;
  EXPECT_EQ(workdir.string().find("SECRETTOKEN"), std::string::npos) << workdir;
  // Stable, and the same for the same URL with another token (the hash never sees one).
  auto other_token = config;
  other_token.repository = "https://ghp_OTHER@example.org/a/b.git";
  EXPECT_EQ(git_poller_workdir(other_token, "/m"), workdir);
  auto other_name = config;
  other_name.name = "mirror-2";
  EXPECT_NE(git_poller_workdir(other_name, "/m"), workdir);
  config.workdir = "mirrors/b";
  EXPECT_EQ(git_poller_workdir(config, "/m"), "/m/mirrors/b");
  config.workdir = "/var/cache/b";
  EXPECT_EQ(git_poller_workdir(config, "/m"), "/var/cache/b");
}

}  // namespace
}  // namespace eventbot::changes
