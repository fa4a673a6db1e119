#pragma once
// The actor shell around one scheduler core: it folds the log's events into the core,
// turns them into commands (a change to consider, an upstream buildset completed, a
// timer due), asks the core to decide, and appends the decision with the scheduler's
// expected stream version. It decides only once it has folded its own last append, so
// every decision sees the state a replay of the log would give.
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/master/id_allocator.hpp"
#include "actors/master/snapshots.hpp"
#include "actors/messages/actors.hpp"
#include "actors/schedulers/clock.hpp"
#include "actors/slaves/slave_actor.hpp"
#include "actors/slaves/slave_hub.hpp"
#include "store/event_log.hpp"

namespace eventbot::master {

// Sent after command_atom and the command: the answer names what the command submitted,
// (buildset id, builder names, request ids), instead of nothing (a forced build's).
using submitted_atom = caf::atom_constant<caf::atom("submitted")>;

// What every scheduler actor shares with the master.
struct SchedulerContext {
  store::EventLog* log = nullptr;
  const schedulers::Clock* clock = nullptr;
  IdAllocator* ids = nullptr;
  std::string master_id;
  std::filesystem::path master_dir;  // change sources keep their default workdirs here
  // Where projections keep their snapshots (snapshots.hpp); null: snapshots are off.
  store::SnapshotStore* snapshots = nullptr;
  std::uint64_t snapshot_every = kSnapshotEvery;  // events folded between two saves
  // Where slave connections are routed to the slave actors (null: no slave actors).
  slaves::SlaveHub* hub = nullptr;
  slaves::SlaveTimings slave_timings;
};

struct SchedulerActorState {
  static inline const char* name = "scheduler";

  std::shared_ptr<schedulers::SchedulerCore> core;  // owned by this actor alone
  SchedulerContext context;
  std::uint64_t folded = 0;    // last sequence folded into the core
  std::uint64_t awaiting = 0;  // sequence of this actor's last append
  std::uint64_t saved_at = 0;  // sequence of the core's last snapshot (saved or restored)
  // Commands to decide, each with the event it came from (its decision is linked to it;
  // unknown for Start, timers and forced builds).
  struct Pending {
    schedulers::Command command;
    events::Cause cause;
  };
  std::deque<Pending> pending;
  std::uint64_t taken = 0;  // commands taken off `pending` (decided or failed) so far
  // Commands sent with command_atom, answered once decided: (their index among all the
  // commands ever queued, the reply). A command may wait behind this actor's own append.
  std::deque<std::pair<std::uint64_t, caf::response_promise>> replies;
  // Of those, the commands sent with submitted_atom.
  std::set<std::uint64_t> name_submitted;
  // What the command last appended submitted: its buildset, and its requests' builders
  // and ids.
  std::uint64_t submitted_buildset = 0;
  std::vector<std::string> submitted_builders;
  std::vector<std::uint64_t> submitted_requests;
  std::map<std::string, std::int64_t> armed;  // timer -> due time of the timer armed
};

// `core` has folded the log up to `folded` (from its snapshot at `snapshot_at`, 0 if
// none); `last_change_id` is the version of the `changes` stream at that point. The
// actor starts by deciding Start. It saves the core's snapshot ("scheduler/<name>") each
// time it has folded context.snapshot_every events since the last one, and when it is
// told to exit; never after a failure.
caf::behavior scheduler_actor(caf::stateful_actor<SchedulerActorState>* self,
                              std::shared_ptr<schedulers::SchedulerCore> core,
                              SchedulerContext context, std::uint64_t folded,
                              std::uint64_t last_change_id, std::uint64_t snapshot_at);

}  // namespace eventbot::master
