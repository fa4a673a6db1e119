#pragma once
// The master's supervisor: one scheduler actor per configured scheduler. It folds the
// log once at start (every core in one scan), fans each batch of new events out to its
// schedulers, applies a reconfig by value (unchanged schedulers keep running untouched),
// and restarts a scheduler that fails from the log, recording the failure as an event.
// Each git poller runs as a change-source actor of its own, supervised the same way.
#include <map>
#include <string>

#include "actors/master/change_source_actor.hpp"
#include "actors/master/distributor_actor.hpp"
#include "actors/master/restart_backoff.hpp"
#include "actors/master/scheduler_actor.hpp"

namespace eventbot::master {

struct SupervisorState {
  static inline const char* name = "master-supervisor";

  SchedulerContext context;
  std::map<std::string, config::SchedulerConfig> configs;  // the schedulers wanted
  std::map<std::string, caf::actor> schedulers;            // the schedulers running
  // The git pollers wanted, and those running.
  std::map<std::string, config::ChangeSourceConfig> sources;
  std::map<std::string, caf::actor> change_sources;
  // The slaves configured, and their actors.
  std::map<std::string, config::SlaveConfig> slave_configs;
  std::map<std::string, caf::actor> slaves;
  ConfigPtr config;                  // the configuration in force
  caf::actor distributor;            // builds
  RestartBackoff backoff;            // failures per actor stream, for restart delays
  std::uint64_t folded = 0;          // last sequence fanned out (or folded at start)
  std::uint64_t last_change_id = 0;  // version of the `changes` stream at `folded`
  // The rest of the supervisor's own fold at `folded` (the IdAllocator may be ahead of
  // it with ids reserved but not appended yet), and the sequence of its last snapshot.
  std::uint64_t last_buildset_id = 0;
  std::uint64_t last_request_id = 0;
  std::uint64_t saved_at = 0;
  // The live build actors: kept here so a restarted distributor adopts them.
  std::shared_ptr<BuildOwners> build_owners = std::make_shared<BuildOwners>();
};

caf::behavior supervisor_actor(caf::stateful_actor<SupervisorState>* self, SchedulerContext context,
                               ConfigPtr config);

}  // namespace eventbot::master
