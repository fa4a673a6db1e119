#pragma once
// The actor shell around one scheduler core: it folds the log's events into the core,
// turns them into commands (a change to consider, an upstream buildset completed, a
// timer due), asks the core to decide, and appends the decision with the scheduler's
// expected stream version. It decides only once it has folded its own last append, so
// every decision sees the state a replay of the log would give.
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "actors/master/actors.hpp"
#include "actors/master/id_allocator.hpp"
#include "actors/schedulers/clock.hpp"
#include "store/event_log.hpp"

namespace eventbot::master {

// What every scheduler actor shares with the master.
struct SchedulerContext {
  store::EventLog* log = nullptr;
  const schedulers::Clock* clock = nullptr;
  IdAllocator* ids = nullptr;
  std::string master_id;
};

struct SchedulerActorState {
  static inline const char* name = "scheduler";

  std::shared_ptr<schedulers::SchedulerCore> core;  // owned by this actor alone
  SchedulerContext context;
  std::uint64_t folded = 0;    // last sequence folded into the core
  std::uint64_t awaiting = 0;  // sequence of this actor's last append
  std::deque<schedulers::Command> pending;
  std::map<std::string, std::int64_t> armed;  // timer -> due time of the timer armed
};

// `core` has folded the log up to `folded`; `last_change_id` is the version of the
// `changes` stream at that point. The actor starts by deciding Start.
caf::behavior scheduler_actor(caf::stateful_actor<SchedulerActorState>* self,
                              std::shared_ptr<schedulers::SchedulerCore> core,
                              SchedulerContext context, std::uint64_t folded,
                              std::uint64_t last_change_id);

}  // namespace eventbot::master
