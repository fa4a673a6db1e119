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

#include "actors/builds/build_core.hpp"
#include "actors/config/master_config.hpp"
#include "actors/master/actors.hpp"
#include "actors/slaves/slave_actor.hpp"
#include "actors/slaves/slave_hub.hpp"
#include "store/event_log.hpp"

namespace eventbot::master {

struct MasterRun;  // a master_shell_command running (build_actor.cpp)

struct BuildContext {
  store::EventLog* log = nullptr;
  std::string master_id;
  std::filesystem::path master_dir;
  slaves::SlaveHub* hub = nullptr;  // the slave actors, by name
  caf::actor distributor;           // locks
  caf::actor supervisor;            // triggers go to the schedulers through it
  slaves::SlaveTimings timings;
};

struct BuildStart {
  std::string builder;
  std::uint32_t number = 0;
  std::string slave;
  std::vector<std::uint64_t> request_ids;
  std::vector<events::SourceStamp> sourcestamps;
  std::vector<events::Property> properties;
  std::string reason;
  bool recovering = false;  // the master restarted while it ran: rebuild from the log
};

// One log of the running step, as written so far.
struct LogWriter {
  std::string stream;
  std::uint64_t bytes = 0;
  std::uint64_t chunks = 0;
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
  std::map<std::string, LogWriter> logs;
  std::optional<builds::MasterTransfer> transfer;
  std::filesystem::path transfer_temp;  // uploads: written here, renamed at the end
  std::unique_ptr<std::ofstream> upload;
  std::uint64_t upload_bytes = 0;
  std::unique_ptr<std::ifstream> download;
  std::string download_data;  // string_download: what is left to send
  std::uint64_t data_seq = 0, data_acked_seq = 0, data_in_flight = 0;
  std::map<std::uint64_t, std::uint64_t> data_sizes;  // seq -> bytes, not yet acked
  bool download_eof = false;
  std::string slave_builder_dir;   // the builder's directory on the slave
  std::string start_command_kind;  // "shell", "upload_file", ... of the running command
  FramePtr pending_start;          // the command, until the slave has taken it
  std::chrono::steady_clock::time_point attach_deadline;  // ... or the build ends RETRY
  std::shared_ptr<MasterRun> master_run;                  // master_shell_command
  std::vector<std::string> trigger_ids;                   // external ids of the buildsets triggered
  bool trigger_wait = false;
  std::size_t trigger_answers = 0;
  std::map<std::string, std::uint64_t> triggered;  // external id -> buildset id
  std::map<std::uint64_t, events::Result> trigger_results;
  bool locks_held = false;
  bool finishing = false;
  // The build's last events (BuildFinished, its requests'), until the store takes them.
  std::vector<events::Envelope> end_events;
  events::Result end_result = events::SUCCESS;
  std::string end_reason;    // why the build ended early (abort_build), for master.log
  bool end_waiting = false;  // the store refused them once: retrying
};

caf::behavior build_actor(caf::stateful_actor<BuildActorState>* self, BuildStart start,
                          config::BuilderConfig builder, ConfigPtr config, BuildContext context);

}  // namespace eventbot::master
