// make_command for `git`: every mode and method of Buildbot's Git step against a real
// repository made here (git init, commits) and cloned through a file:// URL.
#include <gtest/gtest.h>

#include <atomic>

#include "tests/slave-agent/commands_test_support.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::slave {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using eventbot::testing::TempDir;
using eventbot::testing::wait_until;
using test::read_file;
using test::RecordingOutput;
using test::run_command;
using test::write_file;

// Runs git in `dir` (with an identity, and file:// submodules allowed); its stdout.
std::string git(const fs::path& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {"/usr/bin/env",
                                   "GIT_CONFIG_NOSYSTEM=1",
                                   "GIT_AUTHOR_NAME=Test",
                                   "GIT_AUTHOR_EMAIL=test@example.invalid",
                                   "GIT_COMMITTER_NAME=Test",
                                   "GIT_COMMITTER_EMAIL=test@example.invalid",
                                   "git",
                                   "-c",
                                   "protocol.file.allow=always",
                                   "-C",
                                   dir.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = eventbot::testing::run_process(argv);
  EXPECT_EQ(result.exit_code, 0) << "git " << args.front() << ": " << result.err;
  std::string out = result.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

class GitCheckoutTest : public ::testing::Test {
 protected:
  TempDir dir{"eventbot-git"};
  CommandContext context;
  fs::path upstream;
  fs::path work;
  std::string url;
  std::string rev1, rev2, rev3;

  void SetUp() override {
    context.basedir = dir.path();
    context.builder_dir = dir.path() / "builder";
    context.flush_ms = 10;
    work = context.builder_dir / "build";
    upstream = dir.path() / "upstream";
    url = "file://" + upstream.string();
    fs::create_directories(upstream);
    git(upstream, {"init", "-q", "-b", "main"});
    write_file(upstream / "README", "one\n");
    write_file(upstream / ".gitignore", "*.o\n");
    rev1 = commit("first");
    write_file(upstream / "README", "two\n");
    rev2 = commit("second");
    write_file(upstream / "README", "three\n");
    write_file(upstream / "b.txt", "b\n");
    rev3 = commit("third");
  }

  std::string commit(const std::string& message) {
    git(upstream, {"add", "-A"});
    git(upstream, {"commit", "-q", "-m", message});
    return git(upstream, {"rev-parse", "HEAD"});
  }

  wire::StartCommand checkout(const std::string& mode, const std::string& method = "",
                              const std::string& revision = "") {
    wire::StartCommand start;
    start.set_command_id("b/1/0");
    auto* args = start.mutable_git();
    args->set_repourl(url);
    args->set_branch("main");
    args->set_mode(mode);
    args->set_method(method);
    args->set_revision(revision);
    args->set_workdir("build");
    args->set_timeout_s(120);
    return start;
  }

  wire::CommandResult run(const wire::StartCommand& start, RecordingOutput& out) {
    return run_command(start, context, out, 120s);
  }

  void run_ok(const wire::StartCommand& start, const std::string& expected_revision) {
    RecordingOutput out;
    auto result = run(start, out);
    ASSERT_EQ(result.outcome(), wire::FINISHED) << result.failure_reason() << "\n"
                                                << out.header() << out.err();
    EXPECT_EQ(result.rc(), 0);
    EXPECT_EQ(result.values().at("got_revision"), expected_revision);
  }
};

TEST_F(GitCheckoutTest, FullClobberClonesTheTipAndRemovesEverythingElse) {
  write_file(work / "leftover.txt", "from an earlier build");
  RecordingOutput out;
  auto result = run(checkout("full", "clobber"), out);
  ASSERT_EQ(result.outcome(), wire::FINISHED) << result.failure_reason() << out.header();
  EXPECT_EQ(result.rc(), 0);
  EXPECT_EQ(result.values().at("got_revision"), rev3);
  EXPECT_EQ(read_file(work / "README"), "three\n");
  EXPECT_FALSE(fs::exists(work / "leftover.txt"));
  EXPECT_NE(out.header().find("git clone --branch main " + url + " ."), std::string::npos)
      << out.header();
  EXPECT_NE(out.header().find("rm -rf " + work.string()), std::string::npos);
  EXPECT_EQ(out.out().find(rev3), 0u) << out.out();  // rev-parse HEAD's stdout is in the log

  write_file(work / "built.o", "object");
  run_ok(checkout("full", "clobber"), rev3);
  EXPECT_FALSE(fs::exists(work / "built.o"));
}

TEST_F(GitCheckoutTest, ARevisionThatIsNotTheTip) {
  run_ok(checkout("full", "clobber", rev1), rev1);
  EXPECT_EQ(read_file(work / "README"), "one\n");
  EXPECT_FALSE(fs::exists(work / "b.txt"));
  // Incremental to another old revision: already present, so no fetch.
  RecordingOutput out;
  auto result = run(checkout("incremental", "", rev2), out);
  EXPECT_EQ(result.values().at("got_revision"), rev2);
  EXPECT_EQ(read_file(work / "README"), "two\n");
  EXPECT_NE(out.header().find("git cat-file -e " + rev2), std::string::npos);
  EXPECT_EQ(out.header().find("git fetch"), std::string::npos) << out.header();
}

TEST_F(GitCheckoutTest, IncrementalClonesThenFetchesAndKeepsOtherFiles) {
  run_ok(checkout("incremental"), rev3);
  write_file(work / "local.txt", "untracked");
  write_file(work / "built.o", "ignored");
  write_file(upstream / "README", "four\n");
  std::string rev4 = commit("fourth");
  RecordingOutput out;
  auto result = run(checkout("incremental"), out);
  ASSERT_EQ(result.outcome(), wire::FINISHED) << result.failure_reason() << out.header();
  EXPECT_EQ(result.values().at("got_revision"), rev4);
  EXPECT_EQ(read_file(work / "README"), "four\n");
  EXPECT_TRUE(fs::exists(work / "local.txt"));
  EXPECT_TRUE(fs::exists(work / "built.o"));
  EXPECT_NE(out.header().find("git fetch -t " + url + " main"), std::string::npos) << out.header();
  EXPECT_NE(out.header().find("git reset --hard FETCH_HEAD --"), std::string::npos);
  EXPECT_EQ(out.header().find("git clone"), std::string::npos);
}

TEST_F(GitCheckoutTest, FullFreshRemovesUntrackedAndIgnoredFiles) {
  run_ok(checkout("full", "fresh"), rev3);
  write_file(work / "untracked.txt", "x");
  write_file(work / "built.o", "x");
  write_file(work / "README", "locally modified\n");
  RecordingOutput out;
  auto result = run(checkout("full", "fresh"), out);
  ASSERT_EQ(result.outcome(), wire::FINISHED) << result.failure_reason() << out.header();
  EXPECT_FALSE(fs::exists(work / "untracked.txt"));
  EXPECT_FALSE(fs::exists(work / "built.o"));
  EXPECT_EQ(read_file(work / "README"), "three\n");
  EXPECT_NE(out.header().find("git clean -f -f -d -x"), std::string::npos) << out.header();
  EXPECT_EQ(out.header().find("git clone"), std::string::npos);
}

TEST_F(GitCheckoutTest, FullCleanKeepsIgnoredFiles) {
  run_ok(checkout("full", "clean"), rev3);
  write_file(work / "untracked.txt", "x");
  write_file(work / "built.o", "x");
  write_file(upstream / "README", "four\n");
  std::string rev4 = commit("fourth");
  RecordingOutput out;
  auto result = run(checkout("full", "clean"), out);
  ASSERT_EQ(result.outcome(), wire::FINISHED) << result.failure_reason() << out.header();
  EXPECT_EQ(result.values().at("got_revision"), rev4);
  EXPECT_FALSE(fs::exists(work / "untracked.txt"));
  EXPECT_TRUE(fs::exists(work / "built.o"));
  EXPECT_EQ(read_file(work / "README"), "four\n");
  // Not `git clean -x` (that would remove ignored files). The argv line, not the whole
  // header: the temporary directory's random name may hold "-x".
  EXPECT_NE(out.header().find("argv: ['git', 'clean', '-f', '-f', '-d']"), std::string::npos)
      << out.header();
  EXPECT_EQ(out.header().find("'-x'"), std::string::npos) << out.header();
}

TEST_F(GitCheckoutTest, FullCopyUpdatesSourceAndCopiesIt) {
  write_file(work / "stale.txt", "from the last build");
  run_ok(checkout("full", "copy"), rev3);
  fs::path source = context.builder_dir / "source";
  EXPECT_TRUE(fs::exists(source / ".git"));
  EXPECT_EQ(read_file(work / "README"), "three\n");
  EXPECT_TRUE(fs::exists(work / ".git"));
  EXPECT_FALSE(fs::exists(work / "stale.txt"));

  // The source dir is updated incrementally (an untracked file there survives), the
  // build dir is a fresh copy (a file made there does not).
  write_file(source / "kept-in-source.txt", "x");
  write_file(work / "built-in-workdir.o", "x");
  write_file(upstream / "README", "four\n");
  std::string rev4 = commit("fourth");
  RecordingOutput out;
  auto result = run(checkout("full", "copy"), out);
  ASSERT_EQ(result.outcome(), wire::FINISHED) << result.failure_reason() << out.header();
  EXPECT_EQ(result.values().at("got_revision"), rev4);
  EXPECT_EQ(read_file(work / "README"), "four\n");
  EXPECT_EQ(read_file(source / "README"), "four\n");
  EXPECT_TRUE(fs::exists(source / "kept-in-source.txt"));
  EXPECT_TRUE(fs::exists(work / "kept-in-source.txt"));
  EXPECT_FALSE(fs::exists(work / "built-in-workdir.o"));
  EXPECT_NE(out.header().find("git fetch"), std::string::npos);
  EXPECT_NE(out.header().find("cp -R -P -p -v"), std::string::npos);
}

TEST_F(GitCheckoutTest, AnUnknownRevisionFails) {
  const std::string unknown = "0123456789abcdef0123456789abcdef01234567";
  RecordingOutput out;
  auto result = run(checkout("full", "clobber", unknown), out);
  EXPECT_EQ(result.outcome(), wire::FAILED);
  EXPECT_EQ(result.rc(), 128);
  EXPECT_NE(result.failure_reason().find("git reset --hard " + unknown), std::string::npos)
      << result.failure_reason();
  EXPECT_FALSE(result.values().contains("got_revision"));

  // Incremental on an existing clone: not present, fetched, still not there.
  run_ok(checkout("incremental"), rev3);
  RecordingOutput again;
  auto second = run(checkout("incremental", "", unknown), again);
  EXPECT_EQ(second.outcome(), wire::FAILED);
  EXPECT_EQ(second.rc(), 128);
}

TEST_F(GitCheckoutTest, ABadRepositoryFailsAndRetries) {
  auto start = checkout("full", "clobber");
  start.mutable_git()->set_repourl("file://" + (dir.path() / "no-such-repo").string());
  start.mutable_git()->set_retry_count(1);
  RecordingOutput out;
  auto result = run(start, out);
  EXPECT_EQ(result.outcome(), wire::FAILED);
  EXPECT_EQ(result.rc(), 128);
  EXPECT_NE(out.header().find("git clone failed; trying again"), std::string::npos) << out.header();
}

TEST_F(GitCheckoutTest, ABranch) {
  git(upstream, {"checkout", "-q", "-b", "feature", rev2});
  write_file(upstream / "feature.txt", "feature\n");
  std::string feature = commit("feature work");
  git(upstream, {"checkout", "-q", "main"});

  auto start = checkout("full", "clobber");
  start.mutable_git()->set_branch("feature");
  run_ok(start, feature);
  EXPECT_EQ(read_file(work / "feature.txt"), "feature\n");
  EXPECT_EQ(read_file(work / "README"), "two\n");
  EXPECT_EQ(git(work, {"rev-parse", "--abbrev-ref", "HEAD"}), "feature");

  // Incremental from the feature clone to main: fetch main, reset, branch renamed.
  run_ok(checkout("incremental"), rev3);
  EXPECT_FALSE(fs::exists(work / "feature.txt"));
  EXPECT_EQ(git(work, {"rev-parse", "--abbrev-ref", "HEAD"}), "main");
}

TEST_F(GitCheckoutTest, ShallowClonesOneCommit) {
  auto start = checkout("full", "clobber");
  start.mutable_git()->set_shallow(true);
  run_ok(start, rev3);
  EXPECT_EQ(git(work, {"rev-list", "--count", "HEAD"}), "1");
  run_ok(checkout("full", "clobber"), rev3);
  EXPECT_EQ(git(work, {"rev-list", "--count", "HEAD"}), "3");
}

TEST_F(GitCheckoutTest, SubmodulesWithEnv) {
  fs::path sub = dir.path() / "sub";
  fs::create_directories(sub);
  git(sub, {"init", "-q", "-b", "main"});
  write_file(sub / "lib.txt", "library\n");
  git(sub, {"add", "-A"});
  git(sub, {"commit", "-q", "-m", "lib"});
  git(upstream, {"submodule", "add", "-q", "file://" + sub.string(), "lib"});
  std::string rev4 = commit("with a submodule");

  auto start = checkout("full", "clobber");
  start.mutable_git()->set_submodules(true);
  // Git refuses file:// submodules unless told otherwise; env reaches every git command.
  for (auto [name, value] :
       {std::pair{"GIT_CONFIG_COUNT", "1"}, std::pair{"GIT_CONFIG_KEY_0", "protocol.file.allow"},
        std::pair{"GIT_CONFIG_VALUE_0", "always"}}) {
    auto* entry = start.mutable_git()->add_env();
    entry->set_name(name);
    entry->add_values(value);
  }
  run_ok(start, rev4);
  EXPECT_EQ(read_file(work / "lib" / "lib.txt"), "library\n");

  write_file(work / "lib" / "junk.o", "x");
  write_file(work / "lib" / "junk.txt", "x");
  start.mutable_git()->set_method("fresh");
  run_ok(start, rev4);
  EXPECT_FALSE(fs::exists(work / "lib" / "junk.txt"));
  EXPECT_FALSE(fs::exists(work / "lib" / "junk.o"));
  EXPECT_EQ(read_file(work / "lib" / "lib.txt"), "library\n");
}

TEST_F(GitCheckoutTest, ANonGitWorkdirIsClobberedByIncremental) {
  write_file(work / "junk.txt", "not a checkout");
  run_ok(checkout("incremental"), rev3);
  EXPECT_FALSE(fs::exists(work / "junk.txt"));
  EXPECT_EQ(read_file(work / "README"), "three\n");
}

// A repository whose transport hangs (ssh replaced by `sleep`): no network involved.
wire::StartCommand hanging(wire::StartCommand start, const fs::path& pid_file) {
  start.mutable_git()->set_repourl("ssh://example.invalid/repo.git");
  auto* entry = start.mutable_git()->add_env();
  entry->set_name("GIT_SSH_COMMAND");
  entry->add_values("echo $$ > '" + pid_file.string() +
                    "'; echo connecting >&2; exec sleep 300; true");
  // Without this, git first probes the ssh variant with `-G` (output discarded).
  auto* variant = start.mutable_git()->add_env();
  variant->set_name("GIT_SSH_VARIANT");
  variant->add_values("ssh");
  return start;
}

TEST_F(GitCheckoutTest, InterruptKillsTheRunningGit) {
  RecordingOutput out;
  auto command =
      test::must_make(hanging(checkout("full", "clobber"), dir.path() / "ssh.pid"), context, out);
  ASSERT_NE(command, nullptr);
  command->start();
  ASSERT_TRUE(wait_until([&] { return out.err().find("connecting") != std::string::npos; }, 30s))
      << out.header() << out.err();
  command->interrupt("build cancelled");
  auto result = out.wait(30s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->outcome(), wire::INTERRUPTED);
  EXPECT_EQ(result->failure_reason(), "interrupted: build cancelled");
  EXPECT_LT(result->elapsed_s(), 30.0);
  int ssh = std::stoi(read_file(dir.path() / "ssh.pid"));
  EXPECT_TRUE(wait_until([&] { return !test::process_alive(ssh); }, 5s)) << "git's ssh survived";
}

TEST_F(GitCheckoutTest, TimeoutKillsASilentGit) {
  auto start = hanging(checkout("full", "clobber"), dir.path() / "ssh.pid");
  start.mutable_git()->set_timeout_s(1);
  RecordingOutput out;
  auto result = run(start, out);
  EXPECT_EQ(result.outcome(), wire::TIMEOUT);
  EXPECT_EQ(result.failure_reason().rfind("timeout", 0), 0u) << result.failure_reason();
}

TEST_F(GitCheckoutTest, InvalidArguments) {
  RecordingOutput out;
  std::string error;
  auto no_url = checkout("full", "clobber");
  no_url.mutable_git()->clear_repourl();
  EXPECT_EQ(make_command(no_url, context, out, error), nullptr);
  EXPECT_NE(error.find("repourl"), std::string::npos);
  EXPECT_EQ(make_command(checkout("partial"), context, out, error), nullptr);
  EXPECT_NE(error.find("mode"), std::string::npos);
  EXPECT_EQ(make_command(checkout("full", "scorched-earth"), context, out, error), nullptr);
  EXPECT_NE(error.find("method"), std::string::npos);
  auto copy_into_source = checkout("full", "copy");
  copy_into_source.mutable_git()->set_workdir("source");
  EXPECT_EQ(make_command(copy_into_source, context, out, error), nullptr);
}

}  // namespace
}  // namespace eventbot::slave
