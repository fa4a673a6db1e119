#pragma once
// A real git repository in a temp dir for the poller to poll: commits with a fixed
// author and time, branches, resets. git runs through /usr/bin/env so that each
// command gets its own environment (no user or system git config, fixed dates).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::testing {

struct Author {
  std::string name = "Alice Example";
  std::string email = "alice@example.org";
};

class SourceRepo {
 public:
  static constexpr std::int64_t kDefaultTime = 1'600'000'000;

  SourceRepo() : dir_("eventbot-gitsrc") {
    git({"-c", "init.defaultBranch=master", "init", "-q", path().string()}, kDefaultTime, {},
        false);
  }

  const std::filesystem::path& path() const { return dir_.path(); }

  // Runs git in the repository; fails the test on a non-zero exit. `when` (seconds since
  // the epoch) is the author and committer date.
  std::string git(const std::vector<std::string>& args, std::int64_t when = kDefaultTime,
                  const Author& author = {}, bool in_repo = true) {
    std::vector<std::string> argv{"/usr/bin/env",
                                  "HOME=" + dir_.path().string(),
                                  "GIT_CONFIG_NOSYSTEM=1",
                                  "GIT_AUTHOR_NAME=" + author.name,
                                  "GIT_AUTHOR_EMAIL=" + author.email,
                                  "GIT_COMMITTER_NAME=Committer",
                                  "GIT_COMMITTER_EMAIL=committer@example.org",
                                  "GIT_AUTHOR_DATE=" + std::to_string(when) + " +0000",
                                  "GIT_COMMITTER_DATE=" + std::to_string(when) + " +0000",
                                  "git"};
    if (in_repo) argv.insert(argv.end(), {"-C", path().string()});
    argv.insert(argv.end(), args.begin(), args.end());
    auto result = run_process(argv);
    EXPECT_EQ(result.exit_code, 0) << "git failed: " << result.err;
    while (!result.out.empty() && result.out.back() == '\n') result.out.pop_back();
    return result.out;
  }

  void write(const std::string& file, const std::string& content) {
    auto full = path() / file;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream(full, std::ios::binary) << content;
  }

  // Writes `files` (path -> content), commits everything with `message`; returns the
  // new revision.
  std::string commit(const std::map<std::string, std::string>& files, const std::string& message,
                     std::int64_t when, const Author& author = {}) {
    for (const auto& [file, content] : files) write(file, content);
    git({"add", "-A"});
    git({"commit", "-q", "--allow-empty", "-m", message}, when, author);
    return head();
  }

  std::string head(const std::string& ref = "HEAD") { return git({"rev-parse", ref}); }

  // Commits the work tree with a commit object written byte for byte: `headers` are its
  // author and committer lines, `message` its message, unchecked (git commit would
  // convert a message that is not UTF-8). Moves the current branch to it.
  std::string commit_raw(const std::string& headers, const std::string& message) {
    git({"add", "-A"});
    auto raw = "tree " + git({"write-tree"}) + "\nparent " + head() + "\n" + headers + "\n\n" +
               message + "\n";
    auto file = dir_.path() / ".git" / "raw-commit";
    std::ofstream(file, std::ios::binary) << raw;
    auto revision = git({"hash-object", "-t", "commit", "-w", file.string()});
    git({"update-ref", "HEAD", revision});
    return revision;
  }

 private:
  TempDir dir_;
};

}  // namespace eventbot::testing
