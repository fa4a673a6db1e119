#pragma once
// The actor shell around the DistributorCore (actors/builders): it folds the log, asks
// the core which builds to start, claims their requests and starts them by one
// conditional append each, and spawns one build actor per build. It decides only once
// it has folded its own last append (as the scheduler actors do), so a decision never
// repeats one already made. It also completes buildsets (BuildsetCompleted, once all
// their requests are completed) and, at start, takes back the builds this master was
// running when it stopped: each gets a build actor that re-attaches to its slave or
// ends RETRY. A restarted distributor adopts the build actors that still run
// (BuildContext::owners) rather than spawning a second one for their builds.
//
// Lock waits: a request it cannot grant is answered ec::timeout within kLockRenew
// (lock_wait.hpp) and asked again by the build, keeping its place; a release while
// waiting answers ec::cancelled; a lock set the table refuses, ec::refused. A reconfig
// keeps the holders and queues the live waiters again, in their order.
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "actors/builders/buildset_tracker.hpp"
#include "actors/builders/distributor_core.hpp"
#include "actors/builders/lock_table.hpp"
#include "actors/builds/build_causes.hpp"
#include "actors/master/build_actor.hpp"
#include "actors/messages/actors.hpp"

namespace eventbot::master {

struct DistributorState {
  static inline const char* name = "distributor";

  BuildContext context;
  std::shared_ptr<const config::MasterConfig> config;
  std::unique_ptr<builders::DistributorCore> core;
  builders::LockTable locks;
  builders::Random random{std::random_device{}()};
  std::uint64_t folded = 0;    // last sequence folded
  std::uint64_t saved_at = 0;  // sequence of the last snapshot (saved or restored)
  std::uint64_t awaiting = 0;  // sequence of this actor's last append
  std::map<std::pair<std::string, std::uint32_t>, caf::actor> builds;  // running here
  // Buildsets not completed yet: BuildsetCompleted is recorded by this actor.
  builders::BuildsetTracker buildsets;
  // The running builds' BuildStarted and StepStarted, which their lock events are linked to.
  std::map<std::pair<std::string, std::uint32_t>, builds::BuildCauses> build_causes;
  // Slaves asked to shut down gracefully, told to once no build runs on them.
  std::set<std::string> shutting_down;
  // Lock waiters (a build, or one of its steps): what they asked for (a reconfig queues
  // them again under the new configuration) and the promise of their pending request
  // (none between a renewal and the next ask).
  struct LockWaiter {
    LockUses uses;
    std::string slave;
    std::optional<caf::response_promise> promise;
  };
  std::map<builders::WaiterId, LockWaiter> lock_waiters;
  bool renewing = false;  // a lock_renew_atom is on its way
};

// The distributor's own folds (core, lock holders, buildsets, builds' causes, slaves
// shutting down) take in one event; no message is sent. The actor does this, then tells
// its running builds what concerns them.
void fold_distributor_state(DistributorState& state, const events::Envelope& event);

caf::behavior distributor_actor(caf::stateful_actor<DistributorState>* self, BuildContext context,
                                ConfigPtr config);

}  // namespace eventbot::master
