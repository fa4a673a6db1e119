#pragma once
// The master's side of one configured slave: its live connection (at most one), the
// SlaveAttached / SlaveDetached / SlaveMissing events, heartbeats, the arbitration of a
// duplicate connection, and the routing of commands between builds and the slave.
//
// A command's updates go to the build that started it; the build acknowledges each one
// once it is durable, and only then does the slave forget it. When the connection is
// lost, the slave keeps running its commands: if it comes back within the grace period
// and lists them, the master resumes them (the slave resends what was not acknowledged);
// else every build waiting on it hears (lost_atom, command id) and ends RETRY. A master
// that restarts rebuilds the same routes from the builds' events (expect_atom).
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "actors/config/master_config.hpp"
#include "actors/messages/actors.hpp"
#include "events/wire_defaults.hpp"
#include "store/event_log.hpp"

namespace eventbot::slaves {

// How quickly a dead peer is noticed and how long a lost slave's commands wait for it.
struct SlaveTimings {
  // The defaults, and why they are what they are: events/wire_defaults.hpp.
  std::chrono::milliseconds heartbeat = wire_defaults::kHeartbeat;   // both sides ping this often
  std::chrono::milliseconds dead_after = wire_defaults::kDeadAfter;  // no frame for this long: dead
  // How long the old connection has to answer when a second one arrives.
  std::chrono::milliseconds arbitrate = wire_defaults::kArbitrate;
  std::chrono::milliseconds grace =
      wire_defaults::kReattachGrace;  // a lost slave's time to re-attach
  // Output batching on the slave, sent in SlaveSettings.
  std::uint32_t chunk_bytes = wire_defaults::kChunkBytes;
  std::uint32_t flush_ms = wire_defaults::kFlushMs;
  std::uint32_t window_bytes = wire_defaults::kWindowBytes;  // unacknowledged bytes in flight
};

struct SlaveContext {
  store::EventLog* log = nullptr;
  std::string master_id;
  SlaveTimings timings;
  // builder name -> its directory on this slave, for the builders that list the slave.
  std::map<std::string, std::string> builder_dirs;
};

struct CommandRoute {
  caf::actor build;
  std::uint64_t acked = 0;      // last update seq the build has made durable
  bool waiting_resume = false;  // a recovering build waits for the slave to list it
};

struct SlaveActorState {
  static inline const char* name = "slave";

  config::SlaveConfig config;
  SlaveContext context;
  messages::ConnectionPtr connection;  // the connection in use, if any
  bool attached = false;               // its SlaveInfo has arrived
  messages::ConnectionPtr challenger;  // a second connection, while the first is checked
  std::optional<wire::SlaveInfo> challenger_info;  // what the second one said it is
  bool old_answered = false;                       // the first one answered during arbitration
  std::uint64_t epoch = 0;  // bumps on every attach and detach (stale timers)
  std::chrono::steady_clock::time_point last_frame;
  std::uint64_t nonce = 0;
  wire::SlaveInfo info;
  std::map<std::string, CommandRoute> commands;
  bool shutting_down = false;
};

caf::behavior slave_actor(caf::stateful_actor<SlaveActorState>* self, config::SlaveConfig config,
                          SlaveContext context);

}  // namespace eventbot::slaves
