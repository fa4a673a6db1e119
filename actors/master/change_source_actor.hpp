#pragma once
// The actor shell around one git poller: it folds its own stream
// (streams::change_source(name)) from the log at start, so its positions survive a
// restart, then polls at once and every poll_interval seconds. A poll fetches (git
// blocks this actor's thread: spawn it detached), lets the core decide, and appends
// the changes and the new positions as one batch with the stream's expected version.
// Before each poll it folds what its stream gained since, so after a version conflict
// (another writer) the next poll starts from what the log says.
#include <filesystem>
#include <memory>
#include <string>

#include "actors/changes/git_poller_core.hpp"
#include "actors/changes/git_repository.hpp"
#include "actors/messages/actors.hpp"
#include "store/event_log.hpp"

namespace eventbot::master {

// What a change-source actor needs from the master.
struct ChangeSourceContext {
  store::EventLog* log = nullptr;
  std::string master_id;
  std::filesystem::path master_dir;  // default workdirs are DIR/gitpoller-<name>
};

struct ChangeSourceActorState {
  static inline const char* name = "change-source";

  std::unique_ptr<changes::GitPollerCore> core;
  std::unique_ptr<changes::GitRepository> repository;
  ChangeSourceContext context;
};

// A git_poller change source; `config.type` must be git_poller.
caf::behavior change_source_actor(caf::stateful_actor<ChangeSourceActorState>* self,
                                  config::ChangeSourceConfig config, ChangeSourceContext context);

}  // namespace eventbot::master
