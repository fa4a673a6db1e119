#pragma once
// One poll of a git repository: fetch into the mirror, gather what the polled branches
// show against the core's positions, and let the core decide. The caller appends the
// request (it carries the expected version of the poller's stream) and folds its
// stream again before the next poll.
#include <filesystem>
#include <string>

#include "actors/changes/git_poller_core.hpp"
#include "actors/changes/git_repository.hpp"
#include "common/expected.hpp"
#include "store/event_log.hpp"

namespace eventbot::changes {

// Where a git poller keeps its mirror: its workdir, relative to the master's directory
// when relative (as in Buildbot), or DIR/gitpoller-<hash> when none is set: the first
// 16 hex digits of the SHA-256 of the poller's name and its repository URL without
// credentials. The URL itself is no part of the name: it may hold a token.
std::filesystem::path git_poller_workdir(const config::ChangeSourceConfig& config,
                                         const std::filesystem::path& master_dir);

// git_poller_workdir, after moving there the mirror an earlier version kept in
// DIR/gitpoller-<name> (the name being the repository URL, credentials included, when
// the poller had none), so that it keeps its objects and the token leaves the
// directory's name. Nothing moves when the new directory exists already, or when the
// poller names its own workdir.
std::filesystem::path prepare_git_poller_workdir(const config::ChangeSourceConfig& config,
                                                 const std::filesystem::path& master_dir);

// What the repository shows for the core's polled branches, against its positions.
// A branch whose position the mirror does not have, or which shares no history with
// the new head, lists no commits (its head becomes the position without changes).
Expected<PollResult, std::string> gather(GitRepository& repository, const GitPollerCore& core);

// fetch + gather + decide: the events to append, or an empty request when nothing changed.
Expected<store::AppendRequest, std::string> poll_once(GitRepository& repository,
                                                      const GitPollerCore& core);

}  // namespace eventbot::changes
