#include "actors/changes/git_poller_core.hpp"

#include <algorithm>

#include "actors/intake/program_values.hpp"
#include "common/url_credentials.hpp"
#include "events/streams.hpp"

namespace eventbot::changes {

GitPollerCore::GitPollerCore(config::ChangeSourceConfig config)
    : config_(std::move(config)), stream_(streams::change_source(config_.name)) {}

std::string GitPollerCore::source() const {
  return "gitpoller:" + config_.name;
}

void GitPollerCore::evolve(const events::Envelope& event) {
  if (event.stream() != stream_) return;
  version_ = StreamVersion(event.stream_version());
  if (!event.has_change_source_state()) return;
  const auto& positions = event.change_source_state().positions();
  positions_ = std::map<std::string, std::string>(positions.begin(), positions.end());
}

std::optional<std::string> GitPollerCore::position(std::string_view branch) const {
  auto it = positions_.find(std::string(branch));
  if (it == positions_.end()) return std::nullopt;
  return it->second;
}

bool GitPollerCore::polls(std::string_view branch) const {
  if (config_.all_branches) return true;
  if (config_.branches.empty()) return branch == "master";
  return std::find(config_.branches.begin(), config_.branches.end(), branch) !=
         config_.branches.end();
}

std::map<std::string, std::string> GitPollerCore::select(
    const std::map<std::string, std::string>& heads) const {
  std::map<std::string, std::string> out;
  for (const auto& [branch, head] : heads) {
    if (polls(branch)) out.emplace(branch, head);
  }
  return out;
}

store::AppendRequest GitPollerCore::decide(const PollResult& poll) const {
  const std::string repository = config_.repository_name.empty()
                                     ? redact_url_credentials(config_.repository)
                                     : config_.repository_name;
  store::AppendRequest request;
  std::map<std::string, std::string> next;
  for (const auto& [branch, polled] : poll.branches) {
    if (!polls(branch)) continue;
    auto old = position(branch);
    if (polled.since != old.value_or("")) {
      // Listed against another position: keep ours and look again at the next poll.
      if (old) next.emplace(branch, *old);
      continue;
    }
    if (old && *old != polled.head) {
      for (const auto& commit : polled.commits) {
        auto& event = request.events.emplace_back();
        event.set_stream(streams::changes());
        auto& change = *event.mutable_change_added();
        change.set_who(commit.author);
        for (const auto& file : commit.files) change.add_files(file);
        change.set_comments(commit.comments);
        change.set_revision(commit.revision);
        change.set_branch(branch);
        change.set_category(config_.category);
        change.set_repository(repository);
        change.set_project(config_.project);
        change.set_when_us(commit.when_us);
        change.set_source(source());
        // A repository's history is not ours to refuse: made fit instead (UTF-8, limits).
        intake::bound_program_change(change);
      }
    }
    next.emplace(branch, polled.head);
  }
  if (request.events.empty() && next == positions_) return {};

  auto& state_event = request.events.emplace_back();
  state_event.set_stream(stream_);
  auto& state = *state_event.mutable_change_source_state();
  state.set_change_source(config_.name);
  state.mutable_positions()->insert(next.begin(), next.end());
  request.expected.emplace(stream_, store::ExpectedVersion::exactly(version_));
  return request;
}

}  // namespace eventbot::changes
