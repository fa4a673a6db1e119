#pragma once
// The actor shell around one build's BuildCore (actors/builds): one actor per running
// build, spawned by the distributor once the build's start is in the log. It takes the
// builder's locks, then runs the steps the core hands it: remote commands through the
// slave actor (each update's output becomes LogChunk events, acknowledged to the slave
// once durable), transfers with their master end, commands on the master, triggers.
// It records every step and property, and at the end BuildFinished with each request's
// completion (or, for RETRY, the requests unclaimed so they run again).
//
// After a master restart the distributor spawns it in recovery mode: it rebuilds the
// core from the build's events, and the step that was running re-attaches to its
// slave's command if the slave still runs it, else the build ends RETRY.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/builds/build_causes.hpp"
#include "actors/builds/build_core.hpp"
#include "actors/builds/build_end.hpp"
#include "actors/builds/log_events.hpp"
#include "actors/builds/transfer_window.hpp"
#include "actors/builds/trigger_wait.hpp"
#include "actors/config/master_config.hpp"
#include "actors/master/build_owners.hpp"
#include "actors/master/snapshots.hpp"
#include "actors/messages/actors.hpp"
#include "actors/slaves/slave_actor.hpp"
#include "actors/slaves/slave_hub.hpp"
#include "store/event_log.hpp"

namespace eventbot::master {

struct MasterRun;  // a master_shell_command running (build_actor.cpp)
struct Unpack;     // a directory upload's tar running (build_actor.cpp)

struct BuildContext {
  store::EventLog* log = nullptr;
  std::string master_id;
  std::filesystem::path master_dir;
  slaves::SlaveHub* hub = nullptr;  // the slave actors, by name
  caf::actor distributor;           // locks
  caf::actor supervisor;            // triggers go to the schedulers through it
  slaves::SlaveTimings timings;
  // The live build actors, shared by every distributor this master runs (one owner per build).
  std::shared_ptr<BuildOwners> owners = std::make_shared<BuildOwners>();
  // Build actors get a thread each (they append synchronously); false runs them on the
  // actor system's scheduler (the tests' deterministic coordinator).
  bool detached_builds = true;
  // Where the distributor keeps its snapshot (distributor_snapshot.hpp); null: off.
  store::SnapshotStore* snapshots = nullptr;
  std::uint64_t snapshot_every = kSnapshotEvery;  // events folded between two saves
};

struct BuildStart {
  std::string builder;
  std::uint32_t number = 0;
  std::string slave;
  std::vector<std::uint64_t> request_ids;
  std::vector<events::SourceStamp> sourcestamps;
  std::vector<events::Property> properties;
  std::string reason;
  bool recovering = false;   // the master restarted while it ran: rebuild from the log
  events::Cause started_by;  // its BuildStarted (recovering: read from the log)
  // Version of the build's stream when the actor starts (1: its BuildStarted); a
  // recovering build reads it from the log.
  std::uint64_t stream_version = 1;
};

struct BuildActorState {
  static inline const char* name = "build";

  BuildStart start;
  config::BuilderConfig builder;
  ConfigPtr config;
  BuildContext context;
  std::unique_ptr<builds::BuildCore> core;
  caf::actor slave;

  // The step running now.
  int step = -1;
  std::string command_id;
  std::uint64_t last_seq = 0;     // last update seq made durable
  std::uint64_t gap_asked = 0;    // the missing seq the slave was asked to resend from
  std::uint64_t gap_dropped = 0;  // the highest seq dropped since (not stored, not acked)
  bool output_lost = false;       // the slave could not resend one: the log has a hole
  builds::StepLogs logs;          // the running step's logs
  std::optional<builds::MasterTransfer> transfer;
  std::filesystem::path transfer_temp;  // uploads: written here, renamed at the end
  std::unique_ptr<std::ofstream> upload;
  std::uint64_t upload_bytes = 0;
  std::unique_ptr<std::ifstream> download;
  std::string download_data;               // string_download: what is left to send
  builds::DownloadWindow download_window;  // pieces sent, not yet acknowledged
  std::string slave_builder_dir;           // the builder's directory on the slave
  std::string start_command_kind;          // "shell", "upload_file", ... of the running command
  FramePtr pending_start;                  // the command, until the slave has taken it
  std::chrono::steady_clock::time_point attach_deadline;  // ... or the build ends RETRY
  std::shared_ptr<MasterRun> master_run;                  // master_shell_command
  std::shared_ptr<Unpack> unpack;                         // upload_directory's tar
  builds::TriggerWait trigger;                            // a trigger step's answers and buildsets
  builds::BuildCauses causes;                             // what the build's events are linked to
  bool locks_held = false;
  // Events decided but not appended yet: a step's end waits for the next step's start
  // (and a remote step's start for its StepCommandSent), so that one synced append
  // records both. The next append carries them first; nothing is told to the slave or
  // anyone else before it (build_actor.cpp, advance).
  std::vector<events::Envelope> unrecorded;
  // Every append to the build's stream expects this version (one writer per build).
  std::uint64_t version = 1;
  // The lock request in flight (the builder's: step -1), and which attempt it is: an
  // answer to an earlier attempt, or after the wait ended, is ignored.
  struct LockWait {
    std::int32_t step = -1;
    LockUses uses;
    std::shared_ptr<const builds::StepPlan> plan;  // a step's, run once granted
    std::uint64_t attempt = 0;
    bool told = false;  // master.log says it waits
  };
  std::optional<LockWait> lock_wait;
  std::uint64_t lock_attempts = 0;
  bool finishing = false;
  // The build's last events (BuildFinished, its requests'), until the store takes them.
  std::vector<events::Envelope> end_events;
  builds::BuildEnd end;      // the build ends once
  std::string end_reason;    // why the build ended early (abort_build), for master.log
  bool end_waiting = false;  // the store refused them once: retrying
};

caf::behavior build_actor(caf::stateful_actor<BuildActorState>* self, BuildStart start,
                          config::BuilderConfig builder, ConfigPtr config, BuildContext context);

}  // namespace eventbot::master
