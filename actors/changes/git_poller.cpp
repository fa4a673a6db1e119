#include "actors/changes/git_poller.hpp"

#include <spdlog/spdlog.h>

#include "actors/config/config_loader.hpp"
#include "common/url_credentials.hpp"
#include "events/streams.hpp"

namespace eventbot::changes {

std::filesystem::path git_poller_workdir(const config::ChangeSourceConfig& config,
                                         const std::filesystem::path& master_dir) {
  if (config.workdir.empty()) {
    const auto digest =
        config::content_sha256(config.name + "\n" + redact_url_credentials(config.repository));
    return master_dir / ("gitpoller-" + digest.substr(0, 16));
  }
  std::filesystem::path workdir(config.workdir);
  return workdir.is_absolute() ? workdir : master_dir / workdir;
}

std::filesystem::path prepare_git_poller_workdir(const config::ChangeSourceConfig& config,
                                                 const std::filesystem::path& master_dir) {
  namespace fs = std::filesystem;
  const fs::path workdir = git_poller_workdir(config, master_dir);
  std::error_code ec;
  if (!config.workdir.empty() || fs::exists(workdir, ec)) return workdir;
  // The poller's name, or the URL that was its name before names were redacted.
  for (const std::string& old_name : {config.name, config.repository}) {
    const fs::path legacy = master_dir / ("gitpoller-" + streams::encode_part(old_name));
    if (!fs::is_directory(legacy, ec)) continue;
    fs::rename(legacy, workdir, ec);
    if (ec) {
      spdlog::warn("git poller {}: cannot move its mirror to {} ({}); cloning afresh there",
                   config.name, workdir.string(), ec.message());
    } else {
      spdlog::info("git poller {}: moved its mirror to {} (named by a hash now)", config.name,
                   workdir.string());
    }
    break;
  }
  return workdir;
}

Expected<PollResult, std::string> gather(GitRepository& repository, const GitPollerCore& core) {
  auto heads = repository.branch_heads();
  if (!heads) return unexpected(heads.error());
  PollResult result;
  for (const auto& [branch, head] : core.select(*heads)) {
    auto& polled = result.branches[branch];
    polled.head = head;
    auto old = core.position(branch);
    if (!old) {
      // Its history is not news (as Buildbot's GitPoller): say so, or a user waits for
      // builds of the commits that were already there.
      spdlog::info(
          "git poller {}: first poll of branch {}: starting from its head {}; commits "
          "after it will be recorded as changes",
          core.name(), branch, head);
      continue;
    }
    polled.since = *old;
    if (*old == head) continue;
    auto known = repository.has_commit(*old);
    if (!known) return unexpected(known.error());
    if (!*known) {
      spdlog::warn(
          "git poller {}: branch {} was at {}, which {} does not have; taking {} "
          "without recording changes",
          core.name(), branch, *old, repository.workdir().string(), head);
      continue;
    }
    auto related = repository.related(*old, head);
    if (!related) return unexpected(related.error());
    if (!*related) {
      spdlog::warn(
          "git poller {}: branch {} moved from {} to {}, which share no history; "
          "taking it without recording changes",
          core.name(), branch, *old, head);
      continue;
    }
    auto revisions = repository.commits_between(*old, head);
    if (!revisions) return unexpected(revisions.error());
    for (const auto& revision : *revisions) {
      auto commit = repository.read_commit(revision);
      if (!commit) return unexpected(commit.error());
      polled.commits.push_back(std::move(*commit));
    }
  }
  return result;
}

Expected<store::AppendRequest, std::string> poll_once(GitRepository& repository,
                                                      const GitPollerCore& core) {
  if (auto fetched = repository.fetch(); !fetched) return unexpected(fetched.error());
  auto polled = gather(repository, core);
  if (!polled) return unexpected(polled.error());
  return core.decide(*polled);
}

}  // namespace eventbot::changes
