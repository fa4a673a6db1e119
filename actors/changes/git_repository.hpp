#pragma once
// The git poller's I/O: the `git` command run against a bare mirror of the polled
// repository, kept in the poller's workdir. Nothing here decides what a change is
// (actors/changes/git_poller_core.hpp does); it only asks git.
//
// git runs as a child process with an argv (no shell), its own process group, stdin
// from /dev/null, GIT_TERMINAL_PROMPT=0 and LC_ALL=C, and a time limit. Every failure
// is a value whose message names the command and carries git's stderr; nothing throws.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace eventbot::changes {

// What one git command did.
struct GitOutput {
  int exit_code = -1;  // -1 when it did not exit normally (killed, or not started)
  std::string out;
  std::string err;
};

// Runs `git ARGS...` (found on PATH) and waits for it, killing it and its children after
// `timeout`. The error case is only for a command that could not be run or timed out;
// a non-zero exit is a GitOutput with that exit code.
Expected<GitOutput, std::string> run_git(const std::vector<std::string>& args,
                                         std::chrono::seconds timeout);

// One commit as a change needs it.
struct GitCommit {
  std::string revision;      // full hex id
  std::string author;        // "Name <email>", after .mailmap, as Buildbot's GitPoller records it
  std::int64_t when_us = 0;  // committer time
  std::string comments;      // the full message, without trailing newlines
  // Paths changed against the first parent (against the empty tree for a root commit),
  // renames as a deletion plus an addition, in git's order.
  std::vector<std::string> files;
  std::vector<std::string> parents;
};

class GitRepository {
 public:
  // `url` is what git fetches from (a local path or a URL); `workdir` holds the mirror.
  GitRepository(std::string url, std::filesystem::path workdir);

  const std::string& url() const { return url_; }
  const std::filesystem::path& workdir() const { return workdir_; }

  // Creates the bare mirror on first use, then fetches every branch head from the url
  // into refs/heads/*, pruning branches that are gone.
  Expected<Ok, std::string> fetch();

  // Every branch of the mirror: short name ("master", "release/1.0") -> head revision.
  Expected<std::map<std::string, std::string>, std::string> branch_heads();

  // Whether the mirror has `revision` as a commit.
  Expected<bool, std::string> has_commit(std::string_view revision);

  // Whether `a` and `b` share any history (git merge-base finds a common ancestor).
  Expected<bool, std::string> related(std::string_view a, std::string_view b);

  // The commits reachable from `head` and not from `since`, oldest first (parents before
  // children): what `git log since..head` lists, reversed.
  Expected<std::vector<std::string>, std::string> commits_between(std::string_view since,
                                                                  std::string_view head);

  // One commit's author, time, message, files and parents.
  Expected<GitCommit, std::string> read_commit(std::string_view revision);

  // Time limits: a fetch (the first one clones everything) and any other command.
  std::chrono::seconds fetch_timeout{1800};
  std::chrono::seconds command_timeout{120};

 private:
  Expected<GitOutput, std::string> git(std::vector<std::string> args, std::chrono::seconds timeout);
  Expected<Ok, std::string> ensure_mirror();

  std::string url_;
  std::filesystem::path workdir_;
};

}  // namespace eventbot::changes
