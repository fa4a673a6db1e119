#pragma once
// One running master: its store (DIR/events), its actors, its port. Start-up loads
// master.yaml, opens the store, records MasterStarted (and ConfigLoaded when the file
// changed), folds the log into every scheduler, subscribes to what comes next, and
// opens the port. Nothing here decides anything: the cores do.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/config/master_config.hpp"
#include "actors/master/snapshots.hpp"
#include "actors/schedulers/clock.hpp"
#include "actors/slaves/slave_actor.hpp"
#include "common/expected.hpp"
#include "store/rocks_event_log.hpp"

namespace caf {
class actor;
}

namespace eventbot::master {

struct MasterOptions {
  std::filesystem::path dir;
  // The clock the schedulers stamp their commands with; the system clock if null.
  const schedulers::Clock* clock = nullptr;
  // Overrides master.yaml's slave port (tests pass 0 for any free port).
  std::optional<unsigned short> slave_port;
  // Overrides master.yaml's web.port (0: any free port); the gateway still listens only
  // when master.yaml has a `web` section.
  std::optional<unsigned short> web_port;
  // Projection snapshots (actors/master/snapshots.hpp): start-up restores them and folds
  // only the log after them; the schedulers and the supervisor save them every
  // `snapshot_every` events and on a clean stop. false (or EVENTBOT_SNAPSHOTS=0 in the
  // environment): neither load nor save, every start folds the whole log.
  bool use_snapshots = true;
  std::uint64_t snapshot_every = kSnapshotEvery;
  // Heartbeat, grace and batching settings of the slave connections (tests shorten them).
  std::optional<slaves::SlaveTimings> slave_timings;
  // Called (on the store's thread) when the master cannot go on: its subscription met an
  // event it cannot read, so every state after it would be wrong (the master has stopped
  // its actors already), or a write failed. The reason is already in master.log;
  // run_master stops the process with a non-zero exit code.
  std::function<void(const std::string& reason)> on_fatal;
  // Tests: wraps the store that every actor and the port's hand-over append through (a
  // store made slow on purpose). The master's own records and its subscription use the
  // store itself.
  std::function<std::unique_ptr<store::EventLog>(store::EventLog& store)> wrap_log;
};

class Master {
 public:
  // Starts the master or says why it cannot (bad configuration, store refused, port taken).
  static Expected<std::unique_ptr<Master>, std::string> start(const MasterOptions& options);
  ~Master();  // stops it: port, subscription, actors, MasterStopped, store

  // Re-reads master.yaml. On any error the running configuration stays and the errors
  // are returned, one a line; "" when the new configuration is in force.
  std::string reconfig();

  unsigned short slave_port() const;
  // The web gateway's port; 0 when master.yaml has no `web` section.
  unsigned short web_port() const;
  const config::MasterConfig& config() const;
  store::RocksEventLog& log();
  // The supervisor actor, for tests and the gateway (commands to schedulers).
  const caf::actor& supervisor() const;
  // One line for the operator: where the master runs and how to reach it.
  std::string describe() const;

 private:
  struct Impl;
  explicit Master(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The master's foreground main loop (eventbot start --foreground, and the daemon's
// child): starts, reports readiness, then reconfigs on SIGHUP and stops on SIGTERM or
// SIGINT. Returns the process exit code.
int run_master(const std::filesystem::path& dir,
               const std::function<void(bool ok, const std::string& message)>& ready);

}  // namespace eventbot::master
