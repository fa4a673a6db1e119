#pragma once
// The git poller's pure core: no I/O, no clock. Its state is the last revision it
// recorded per branch (its position), folded from the ChangeSourceState events of its
// own stream, streams::change_source(name). decide() turns what one poll saw into the
// events that record it: one ChangeAdded per new commit, oldest first, then one
// ChangeSourceState with the new positions, to be appended as one batch with the
// stream's expected version. A crash between polls therefore neither loses nor
// duplicates a change: either the changes and the position that covers them are in the
// log, or neither is; and a second writer with the same position gets a conflict.
//
// The position rules:
//   - A branch polled for the first time (no position yet) records its head as the
//     position and no change: its history is not news (as Buildbot's GitPoller does).
//   - A branch whose head moved records one change per commit the poll listed (what
//     `git log POSITION..HEAD` shows, oldest first) and takes the head as its position.
//     For a force-push that is the rewritten commits, those not reachable from the old
//     position; git_poller.cpp lists none when the old position is unknown to the mirror
//     or shares no history with the new head.
//   - A branch that is gone, or no longer polled, is dropped from the positions.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/changes/git_repository.hpp"
#include "actors/config/master_config.hpp"
#include "common/strong_type.hpp"
#include "events/events.pb.h"
#include "store/event_log.hpp"

namespace eventbot::changes {

// One polled branch as the repository showed it.
struct BranchPoll {
  std::string head;
  // The position the commits were listed from ("" when the branch had none); a poll
  // listed against another position than the core's is not used (see decide()).
  std::string since;
  std::vector<GitCommit> commits;  // since..head, oldest first
};

// What one poll saw: every polled branch that exists, by short name.
struct PollResult {
  std::map<std::string, BranchPoll> branches;
};

class GitPollerCore {
 public:
  explicit GitPollerCore(config::ChangeSourceConfig config);

  const config::ChangeSourceConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  // streams::change_source(name): where the positions live.
  const std::string& stream() const { return stream_; }
  // The `source` recorded on each change: "gitpoller:<name>".
  std::string source() const;

  // Folds one event; only ChangeSourceState events of this poller's stream matter.
  void evolve(const events::Envelope& event);

  // The version of this poller's stream folded so far (0: none).
  StreamVersion version() const { return version_; }
  const std::map<std::string, std::string>& positions() const { return positions_; }
  std::optional<std::string> position(std::string_view branch) const;

  // Whether the poller polls `branch`: every branch with all_branches, else those listed
  // (["master"] when none is).
  bool polls(std::string_view branch) const;
  // The subset of `heads` (branch -> head) this poller polls.
  std::map<std::string, std::string> select(const std::map<std::string, std::string>& heads) const;

  // The events recording `poll`, with the expected version of this poller's stream; an
  // empty request when nothing changed (no new commit, every position as it was).
  // Branches of `poll` the poller does not poll are ignored; a branch whose `since` is
  // not the core's position keeps its position and records nothing.
  store::AppendRequest decide(const PollResult& poll) const;

 private:
  config::ChangeSourceConfig config_;
  std::string stream_;
  std::map<std::string, std::string> positions_;
  StreamVersion version_;
};

}  // namespace eventbot::changes
