// make_command for mkdir, rmdir, cpdir, stat, glob, listdir and rmfile: real files in a
// temporary builder directory, including the error cases Buildbot reports as rc 1.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>

#include "tests/slave-agent/commands_test_support.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::slave {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using eventbot::testing::TempDir;
using eventbot::testing::wait_until;
using test::RecordingOutput;
using test::run_command;
using test::write_file;

class FileCommandTest : public ::testing::Test {
 protected:
  TempDir dir{"eventbot-filecmd"};
  CommandContext context;
  fs::path builder;
  fs::path work;

  void SetUp() override {
    context.basedir = dir.path();
    builder = dir.path() / "builder";
    work = builder / "build";
    context.builder_dir = builder;
    context.flush_ms = 10;
    fs::create_directories(work);
  }

  static wire::StartCommand paths(wire::PathArgs* (wire::StartCommand::*field)(),
                                  std::vector<std::string> list,
                                  const std::string& workdir = "build") {
    wire::StartCommand start;
    start.set_command_id("b/1/1");
    auto* args = (start.*field)();
    args->set_workdir(workdir);
    for (auto& p : list) args->add_paths(p);
    return start;
  }
};

TEST_F(FileCommandTest, MkdirCreatesParentsAndAnExistingDirIsFine) {
  RecordingOutput out;
  auto start = paths(&wire::StartCommand::mutable_mkdir, {"a/b/c", "d"});
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.outcome(), wire::FINISHED);
  EXPECT_EQ(result.rc(), 0);
  EXPECT_TRUE(fs::is_directory(work / "a" / "b" / "c"));
  EXPECT_TRUE(fs::is_directory(work / "d"));
  RecordingOutput again;
  EXPECT_EQ(run_command(start, context, again).rc(), 0);
}

TEST_F(FileCommandTest, MkdirAbsolutePath) {
  RecordingOutput out;
  auto target = dir.path() / "outside" / "x";
  auto result =
      run_command(paths(&wire::StartCommand::mutable_mkdir, {target.string()}), context, out);
  EXPECT_EQ(result.rc(), 0);
  EXPECT_TRUE(fs::is_directory(target));
}

TEST_F(FileCommandTest, MkdirUnderAFileFails) {
  write_file(work / "plain", "x");
  RecordingOutput out;
  auto result = run_command(paths(&wire::StartCommand::mutable_mkdir, {"plain/sub"}), context, out);
  EXPECT_EQ(result.outcome(), wire::FAILED);
  EXPECT_EQ(result.rc(), 1);
  EXPECT_NE(result.failure_reason().find("Not a directory"), std::string::npos)
      << result.failure_reason();
  EXPECT_NE(out.header().find("mkdir: cannot create"), std::string::npos) << out.header();
}

TEST_F(FileCommandTest, RmdirRemovesTreesAndAMissingDirIsFine) {
  write_file(work / "tree" / "a" / "f.txt", "x");
  write_file(dir.path() / "keep" / "precious.txt", "keep me");
  fs::create_directory_symlink(dir.path() / "keep", work / "tree" / "link");
  RecordingOutput out;
  auto result =
      run_command(paths(&wire::StartCommand::mutable_rmdir, {"tree", "missing"}), context, out);
  EXPECT_EQ(result.outcome(), wire::FINISHED);
  EXPECT_EQ(result.rc(), 0);
  EXPECT_FALSE(fs::exists(work / "tree"));
  EXPECT_EQ(test::read_file(dir.path() / "keep" / "precious.txt"), "keep me");
  EXPECT_NE(out.header().find("rm -rf"), std::string::npos) << out.header();
}

TEST_F(FileCommandTest, RmdirRemovesReadOnlyTrees) {
  write_file(work / "ro" / "sub" / "f.txt", "x");
  fs::permissions(work / "ro" / "sub", fs::perms::owner_read | fs::perms::owner_exec);
  fs::permissions(work / "ro", fs::perms::none);
  RecordingOutput out;
  auto result = run_command(paths(&wire::StartCommand::mutable_rmdir, {"ro"}), context, out);
  EXPECT_EQ(result.rc(), 0) << out.header();
  EXPECT_FALSE(fs::exists(work / "ro"));
}

TEST_F(FileCommandTest, RmdirThatCannotRemoveFailsAfterTheChmodRetry) {
  // procfs refuses every unlink, even root's: rm fails, chmod is tried, rm fails again.
  RecordingOutput out;
  auto result =
      run_command(paths(&wire::StartCommand::mutable_rmdir, {"/proc/self/fdinfo"}), context, out);
  EXPECT_EQ(result.outcome(), wire::FAILED);
  EXPECT_NE(result.rc(), 0);
  EXPECT_NE(result.failure_reason().find("rm -rf /proc/self/fdinfo failed"), std::string::npos)
      << result.failure_reason();
  EXPECT_NE(out.header().find("trying again"), std::string::npos) << out.header();
  EXPECT_NE(out.header().find("chmod -Rf u+rwx"), std::string::npos) << out.header();
}

TEST_F(FileCommandTest, RmdirPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  write_file(work / "locked" / "victim" / "f.txt", "x");
  fs::permissions(work / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  RecordingOutput out;
  auto result =
      run_command(paths(&wire::StartCommand::mutable_rmdir, {"locked/victim"}), context, out);
  fs::permissions(work / "locked", fs::perms::owner_all);
  EXPECT_EQ(result.outcome(), wire::FAILED);
  EXPECT_TRUE(fs::exists(work / "locked" / "victim"));
}

wire::StartCommand cpdir(const std::string& from, const std::string& to) {
  wire::StartCommand start;
  start.mutable_cpdir()->set_workdir("build");
  start.mutable_cpdir()->set_from_path(from);
  start.mutable_cpdir()->set_to_path(to);
  return start;
}

TEST_F(FileCommandTest, CpdirCopiesTreesKeepingSymlinksModesAndTimes) {
  write_file(work / "src" / "tool.sh", "#!/bin/sh\n");
  fs::permissions(work / "src" / "tool.sh", fs::perms(0750));
  write_file(work / "src" / "sub" / "data.txt", "data");
  fs::create_directory(work / "src" / "empty");
  fs::create_symlink("sub/data.txt", work / "src" / "link");
  auto old_time = fs::last_write_time(work / "src" / "sub" / "data.txt") - std::chrono::hours(24);
  fs::last_write_time(work / "src" / "sub" / "data.txt", old_time);

  RecordingOutput out;
  auto result = run_command(cpdir("src", "out/copy"), context, out);
  EXPECT_EQ(result.outcome(), wire::FINISHED);
  EXPECT_EQ(result.rc(), 0);
  fs::path copy = work / "out" / "copy";
  EXPECT_EQ(test::read_file(copy / "tool.sh"), "#!/bin/sh\n");
  EXPECT_EQ(fs::status(copy / "tool.sh").permissions() & fs::perms::mask, fs::perms(0750));
  EXPECT_EQ(test::read_file(copy / "sub" / "data.txt"), "data");
  EXPECT_EQ(fs::last_write_time(copy / "sub" / "data.txt"), old_time);
  EXPECT_TRUE(fs::is_directory(copy / "empty"));
  ASSERT_TRUE(fs::is_symlink(copy / "link"));
  EXPECT_EQ(fs::read_symlink(copy / "link"), "sub/data.txt");
  EXPECT_NE(out.out().find("data.txt"), std::string::npos) << out.out();  // cp -v
  EXPECT_FALSE(fs::exists(copy / "src"));  // the contents, not src inside copy
}

TEST_F(FileCommandTest, CpdirMissingSourceFails) {
  RecordingOutput out;
  auto result = run_command(cpdir("nope", "dest"), context, out);
  EXPECT_EQ(result.outcome(), wire::FAILED);
  EXPECT_EQ(result.rc(), 1);
  EXPECT_FALSE(fs::exists(work / "dest"));
}

TEST_F(FileCommandTest, CpdirInterruptStopsALongCopy) {
  for (int i = 0; i < 3000; ++i) write_file(work / "big" / ("file-" + std::to_string(i)), "x");
  // Tiny chunks and an output that blocks: cp fills its pipe and waits, mid-copy.
  context.chunk_bytes = 64;
  RecordingOutput out;
  std::mutex mutex;
  std::condition_variable cv;
  bool release = false;
  std::atomic<bool> saw_stdout{false};
  out.on_output = [&](wire::OutputKind kind, const std::string&) {
    if (kind != wire::STDOUT) return;
    saw_stdout = true;
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return release; });
  };
  auto command = test::must_make(cpdir("big", "copy"), context, out);
  ASSERT_NE(command, nullptr);
  command->start();
  ASSERT_TRUE(wait_until([&] { return saw_stdout.load(); }));
  command->interrupt("enough copying");
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  auto result = out.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->outcome(), wire::INTERRUPTED);
  EXPECT_EQ(result->failure_reason(), "interrupted: enough copying");
  std::size_t copied = 0;
  for ([[maybe_unused]] auto& entry : fs::directory_iterator(work / "copy")) ++copied;
  EXPECT_LT(copied, 3000u);
}

TEST_F(FileCommandTest, StatReportsTheFieldsOfAFileADirAndALink) {
  write_file(work / "five.txt", "12345");
  fs::permissions(work / "five.txt", fs::perms(0640));
  fs::create_symlink("five.txt", work / "link");
  {
    RecordingOutput out;
    auto result = run_command(paths(&wire::StartCommand::mutable_stat, {"five.txt"}), context, out);
    EXPECT_EQ(result.rc(), 0);
    const auto& v = result.values();
    EXPECT_EQ(v.at("size"), "5");
    EXPECT_EQ(v.at("perm"), "0640");
    EXPECT_EQ(v.at("isfile"), "true");
    EXPECT_EQ(v.at("isdir"), "false");
    EXPECT_EQ(v.at("islink"), "false");
    struct stat st {};
    ASSERT_EQ(::stat((work / "five.txt").c_str(), &st), 0);
    EXPECT_EQ(v.at("mode"), std::to_string(st.st_mode));
    EXPECT_EQ(v.at("mtime").substr(0, v.at("mtime").find('.')), std::to_string(st.st_mtim.tv_sec));
  }
  {
    RecordingOutput out;
    auto result = run_command(paths(&wire::StartCommand::mutable_stat, {"."}), context, out);
    EXPECT_EQ(result.values().at("isdir"), "true");
  }
  {
    RecordingOutput out;
    auto result = run_command(paths(&wire::StartCommand::mutable_stat, {"link"}), context, out);
    EXPECT_EQ(result.values().at("islink"), "true");
    EXPECT_EQ(result.values().at("isfile"), "true");  // stat follows the link, as os.stat
  }
}

TEST_F(FileCommandTest, StatOfAMissingPathFailsWithRc1) {
  RecordingOutput out;
  auto result = run_command(paths(&wire::StartCommand::mutable_stat, {"ghost"}), context, out);
  EXPECT_EQ(result.outcome(), wire::FAILED);
  EXPECT_EQ(result.rc(), 1);
  EXPECT_TRUE(result.values().empty());
  EXPECT_NE(result.failure_reason().find("No such file"), std::string::npos);
}

TEST_F(FileCommandTest, GlobListsMatchesAsAbsolutePaths) {
  write_file(work / "a.txt", "");
  write_file(work / "b.txt", "");
  write_file(work / "c.log", "");
  write_file(work / "sub" / "d.txt", "");
  wire::StartCommand start;
  start.mutable_glob()->set_workdir("build");
  start.mutable_glob()->set_pattern("*.txt");
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.rc(), 0);
  ASSERT_EQ(result.files_size(), 2);
  EXPECT_EQ(result.files(0), (work / "a.txt").string());
  EXPECT_EQ(result.files(1), (work / "b.txt").string());

  start.mutable_glob()->set_pattern("nothing-*");
  RecordingOutput none;
  auto empty = run_command(start, context, none);
  EXPECT_EQ(empty.outcome(), wire::FINISHED);
  EXPECT_EQ(empty.rc(), 0);
  EXPECT_EQ(empty.files_size(), 0);
}

TEST_F(FileCommandTest, ListdirNamesAndAMissingDir) {
  write_file(work / "d" / "b.txt", "");
  write_file(work / "d" / ".hidden", "");
  fs::create_directory(work / "d" / "a-dir");
  RecordingOutput out;
  auto result = run_command(paths(&wire::StartCommand::mutable_listdir, {"d"}), context, out);
  EXPECT_EQ(result.rc(), 0);
  std::vector<std::string> names(result.files().begin(), result.files().end());
  EXPECT_EQ(names, (std::vector<std::string>{".hidden", "a-dir", "b.txt"}));

  RecordingOutput missing;
  auto failed =
      run_command(paths(&wire::StartCommand::mutable_listdir, {"nope"}), context, missing);
  EXPECT_EQ(failed.outcome(), wire::FAILED);
  EXPECT_EQ(failed.rc(), 1);
  EXPECT_EQ(failed.files_size(), 0);
}

TEST_F(FileCommandTest, RmfileRemovesFilesAndFailsForMissingOrDirectories) {
  write_file(work / "gone.txt", "x");
  {
    RecordingOutput out;
    auto result =
        run_command(paths(&wire::StartCommand::mutable_rmfile, {"gone.txt"}), context, out);
    EXPECT_EQ(result.rc(), 0);
    EXPECT_FALSE(fs::exists(work / "gone.txt"));
  }
  {
    RecordingOutput out;
    auto result =
        run_command(paths(&wire::StartCommand::mutable_rmfile, {"gone.txt"}), context, out);
    EXPECT_EQ(result.outcome(), wire::FAILED);
    EXPECT_EQ(result.rc(), 1);
  }
  {
    fs::create_directory(work / "adir");
    RecordingOutput out;
    auto result = run_command(paths(&wire::StartCommand::mutable_rmfile, {"adir"}), context, out);
    EXPECT_EQ(result.outcome(), wire::FAILED);
    EXPECT_NE(result.failure_reason().find("Is a directory"), std::string::npos);
    EXPECT_TRUE(fs::is_directory(work / "adir"));
  }
}

TEST_F(FileCommandTest, InvalidArguments) {
  RecordingOutput out;
  std::string error;
  EXPECT_EQ(make_command(paths(&wire::StartCommand::mutable_mkdir, {}), context, out, error),
            nullptr);
  EXPECT_NE(error.find("no paths"), std::string::npos) << error;
  EXPECT_EQ(make_command(paths(&wire::StartCommand::mutable_stat, {"a", "b"}), context, out, error),
            nullptr);
  EXPECT_NE(error.find("exactly one"), std::string::npos) << error;
  EXPECT_EQ(make_command(paths(&wire::StartCommand::mutable_rmdir, {""}), context, out, error),
            nullptr);
  EXPECT_EQ(make_command(cpdir("a", ""), context, out, error), nullptr);
  wire::StartCommand glob;
  glob.mutable_glob();
  EXPECT_EQ(make_command(glob, context, out, error), nullptr);
}

TEST_F(FileCommandTest, InterruptBeforeStart) {
  RecordingOutput out;
  auto command = test::must_make(paths(&wire::StartCommand::mutable_mkdir, {"x"}), context, out);
  ASSERT_NE(command, nullptr);
  command->interrupt("no");
  command->start();
  auto result = out.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->outcome(), wire::INTERRUPTED);
  EXPECT_FALSE(fs::exists(work / "x"));
}

TEST_F(FileCommandTest, CommandNames) {
  auto names = command_names();
  for (const char* name : {"shell", "mkdir", "rmdir", "cpdir", "stat", "glob", "listdir", "rmfile",
                           "upload_file", "upload_directory", "download_file", "git"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

}  // namespace
}  // namespace eventbot::slave
