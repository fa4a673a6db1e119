#include "actors/master/build_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/builds/log_events.hpp"
#include "actors/builds/recovery.hpp"
#include "actors/builds/steps/step_types.hpp"
#include "actors/builds/transfer_window.hpp"
#include "actors/config/lock_uses.hpp"
#include "actors/master/lock_wait.hpp"
#include "actors/messages/defaults.hpp"
#include "actors/messages/errors.hpp"
#include "common/bounded_text.hpp"
#include "common/utf8.hpp"
#include "events/streams.hpp"
#include "events/wire_defaults.hpp"
#include "slave-agent/commands/command.hpp"

namespace eventbot::master {
namespace {

namespace fs = std::filesystem;
using Self = caf::stateful_actor<BuildActorState>;

using defaults::kAttachPoll;
using defaults::kCommandTimeout;
using defaults::kRecordRetry;
using defaults::kRunTimeout;

std::string build_stream(const BuildActorState& st) {
  return streams::build(st.start.builder, st.start.number);
}

std::string command_id_of(const BuildActorState& st, std::uint32_t step) {
  return st.start.builder + "/" + std::to_string(st.start.number) + "/" + std::to_string(step);
}

// The build (step -1) or one of its steps, as the distributor's lock table knows it.
WaiterId lock_holder(const BuildActorState& st, int step) {
  return WaiterId::step(st.start.builder, st.start.number, static_cast<std::int32_t>(step));
}

// What others add to a build's stream while it runs: a user's stop request, the
// distributor's lock records. Anything else there was written by another build actor.
bool added_by_others(const events::Envelope& event) {
  return event.has_build_stop_requested() || event.has_lock_acquired() || event.has_lock_released();
}

// After a version conflict: takes in what others added to the build's stream since
// st.version; false if something there is not theirs (a second writer of this build).
bool take_in_others(Self* self) {
  auto& st = self->state;
  auto added = st.context.log->read_stream(build_stream(st), StreamVersion(st.version + 1), 1024);
  if (!added || added->empty()) return false;
  for (const auto& event : *added) {
    if (!added_by_others(event)) return false;
  }
  st.version = added->back().stream_version();
  return true;
}

// Appends events (stamping streams left empty with the build's); the store's error if
// it refused them (nothing of them is written then). Every append expects the build's
// stream at st.version, whatever streams the events go to, so a second actor writing the
// same build is refused (StoreErrc::version_conflict) and nothing of its is written.
std::optional<store::StoreError> try_append(Self* self,
                                            const std::vector<events::Envelope>& events) {
  auto& st = self->state;
  if (events.empty()) return std::nullopt;
  const auto stream = build_stream(st);
  for (;;) {
    store::AppendRequest request;
    std::uint64_t on_build = 0;
    for (auto event : events) {
      if (event.stream().empty()) event.set_stream(stream);
      if (event.stream() == stream) ++on_build;
      event.set_master_id(st.context.master_id);
      request.events.push_back(std::move(event));
    }
    request.expected.emplace(stream, store::ExpectedVersion::exactly(StreamVersion(st.version)));
    auto links = st.causes.link(request.events, st.step);
    request.caused_in_batch = links.caused_in_batch;
    auto appended = st.context.log->append(std::move(request));
    if (appended) {
      st.version += on_build;
      st.causes.appended(links, appended->first.value());
      return std::nullopt;
    }
    if (appended.error().code != store::StoreErrc::version_conflict || !take_in_others(self)) {
      return appended.error();
    }
  }
}

// The store refused an append for a version conflict that others' records do not explain:
// another actor writes this build. This one stops at once, writing nothing and releasing
// nothing (the locks are the other's), so the build keeps exactly one owner.
bool refused_as_second_writer(Self* self, const store::StoreError& error) {
  if (error.code != store::StoreErrc::version_conflict) return false;
  auto& st = self->state;
  const auto why = "another actor writes build " + st.start.builder + " #" +
                   std::to_string(st.start.number) + " (" + error.message + "); this one stops";
  spdlog::error("{}", why);
  st.finishing = true;
  st.step = -1;  // releases nothing
  st.lock_wait.reset();
  st.master_run.reset();
  self->quit(make_error(ec::refused, why));
  return true;
}

void abort_build(Self* self, const std::string& why);
void end_command(Self* self, std::uint64_t seq, wire::CommandResult result,
                 std::vector<events::Envelope> events, bool from_master);

// Appends the build's events; false if the store refused them. A build whose facts
// cannot be recorded (a full disk, ...) cannot go on: it ends EXCEPTION (abort_build).
// A store closed under it means the master is stopping: the build stays running in the
// log and is taken back at the next start.
bool append(Self* self, std::vector<events::Envelope> events) {
  if (!self->state.unrecorded.empty()) {
    events.insert(events.begin(), std::make_move_iterator(self->state.unrecorded.begin()),
                  std::make_move_iterator(self->state.unrecorded.end()));
    self->state.unrecorded.clear();
  }
  auto error = try_append(self, events);
  if (!error) return true;
  if (refused_as_second_writer(self, *error)) {
    // Stopped, writing nothing more.
  } else if (error->code == store::StoreErrc::closed) {
    self->quit(caf::exit_reason::user_shutdown);
  } else if (error->code == store::StoreErrc::io_error && self->state.context.log->write_failed()) {
    // The store failed a write (a full disk): the master is stopping, and takes this build
    // back when started again. Its command goes on; its output waits in the slave.
    spdlog::error("build {} #{}: {}; it is taken back when the master starts again",
                  self->state.start.builder, self->state.start.number, error->message);
  } else {
    abort_build(self, error->message);
  }
  return false;
}

events::Envelope step_started_event(events::StepStarted body) {
  events::Envelope event;
  *event.mutable_step_started() = std::move(body);
  return event;
}

// A chunk of the running step's output as events (builds::StepLogs): LogOpened the first
// time a log is written, then the chunk.
void add_output(BuildActorState& st, const wire::Output& output, std::uint64_t seq,
                std::vector<events::Envelope>& out) {
  st.logs.add_output(
      builds::StepRef{st.start.builder, st.start.number, static_cast<std::uint32_t>(st.step)},
      output, seq, out);
}

void advance(Self* self);
void finish(Self* self, events::BuildFinished finished, std::vector<events::Envelope> before = {});
void record_end(Self* self);
void begin(Self* self);
std::unique_ptr<builds::BuildCore> make_core(const BuildActorState& st);

void release_step_locks(Self* self) {
  auto& st = self->state;
  if (st.step >= 0) {
    self->send(st.context.distributor, release_atom::value, lock_holder(st, st.step));
  }
}

bool step_has_locks(const BuildActorState& st, std::uint32_t step) {
  auto uses = config::step_lock_uses(st.builder.steps.at(step));
  return uses && !uses->empty();
}

// Whether the running step's end may wait to be appended with what follows it.
bool can_wait_for_next_start(const BuildActorState& st) {
  return !st.finishing && (st.step < 0 || !step_has_locks(st, static_cast<std::uint32_t>(st.step)));
}

// Records a finished step and goes on (or finishes when the core says so).
void step_done(Self* self, std::optional<builds::StepDone> done,
               std::vector<events::Envelope> before = {}) {
  auto& st = self->state;
  st.logs.close(before);
  if (done) {
    auto events = builds::step_done_events(st.start.builder, st.start.number, *done);
    before.insert(before.end(), std::make_move_iterator(events.begin()),
                  std::make_move_iterator(events.end()));
  }
  if (can_wait_for_next_start(st)) {
    // Recorded with what follows (the next step's start, or the build's end): one synced
    // append instead of two. A step holding locks is recorded now, before they go back.
    st.unrecorded.insert(st.unrecorded.end(), std::make_move_iterator(before.begin()),
                         std::make_move_iterator(before.end()));
  } else if (!append(self, std::move(before))) {
    return;
  }
  release_step_locks(self);
  st.step = -1;
  st.command_id.clear();
  st.pending_start.reset();
  st.last_seq = 0;
  st.gap_asked = st.gap_dropped = 0;
  st.output_lost = false;
  st.transfer.reset();
  st.upload.reset();
  st.download.reset();
  st.download_data.clear();
  st.download_window = {};
  st.master_run.reset();
  st.unpack.reset();
  advance(self);
}

// The slave went away: records the loss (the running step's RETRY end, or between steps
// BuildSlaveLost) and goes on, which ends the build RETRY.
void record_slave_lost(Self* self) {
  auto loss = self->state.core->slave_lost();
  std::vector<events::Envelope> before;
  if (loss.between_steps) *before.emplace_back().mutable_build_slave_lost() = *loss.between_steps;
  step_done(self, std::move(loss.step), std::move(before));
}

// The master end of an upload: the bytes went to a temporary file; put it in place
// (what to do: builds::upload_end).
std::string finish_upload(BuildActorState& st, bool ok) {
  if (!st.transfer || st.transfer->direction != builds::MasterTransfer::Direction::to_master) {
    return {};
  }
  if (st.upload) st.upload->close();
  st.upload.reset();
  const auto end = builds::upload_end(*st.transfer, ok, st.start_command_kind == "upload_directory",
                                      st.context.master_dir);
  std::error_code ec;
  if (!end.dest.empty()) fs::create_directories(end.dest.parent_path(), ec);
  if (end.action == builds::UploadEnd::Action::discard) {
    fs::remove(st.transfer_temp, ec);
    return {};
  }
  fs::rename(st.transfer_temp, end.dest, ec);
  if (ec) return "moving the upload to " + end.dest.string() + " failed: " + ec.message();
  if (end.mode) fs::permissions(end.dest, static_cast<fs::perms>(*end.mode), ec);
  return {};
}

// Sends download data while the window (builds::DownloadWindow) allows.
void pump_download(Self* self) {
  auto& st = self->state;
  if (st.command_id.empty()) return;
  while (st.download_window.may_send()) {
    std::string piece;
    bool eof = false;
    if (st.download) {
      piece.resize(st.download_window.piece_bytes());
      st.download->read(piece.data(), static_cast<std::streamsize>(piece.size()));
      piece.resize(static_cast<std::size_t>(st.download->gcount()));
      eof = st.download->eof() || !*st.download;
    } else {
      piece = builds::take_piece(st.download_data, st.download_window.piece_bytes());
      eof = st.download_data.empty();
    }
    auto frame = std::make_shared<wire::Frame>();
    auto* data = frame->mutable_command_data();
    data->set_command_id(st.command_id);
    data->set_seq(st.download_window.sent(piece.size(), eof));
    data->set_eof(eof);
    data->set_data(std::move(piece));
    self->send(st.slave, data_atom::value, FramePtr(frame));
  }
}

// Prepares the master end of a transfer; an error message if it cannot be done.
std::string open_transfer(Self* self, const builds::MasterTransfer& transfer) {
  auto& st = self->state;
  st.transfer = transfer;
  if (transfer.direction == builds::MasterTransfer::Direction::to_master) {
    st.transfer_temp =
        builds::upload_temp_path(st.context.master_dir, st.start.builder, st.start.number,
                                 static_cast<std::uint32_t>(st.step));
    std::error_code ec;
    fs::create_directories(st.transfer_temp.parent_path(), ec);
    st.upload = std::make_unique<std::ofstream>(st.transfer_temp, std::ios::binary);
    if (!*st.upload) return "cannot write " + st.transfer_temp.string();
    st.upload_bytes = 0;
    return {};
  }
  st.download_window = builds::DownloadWindow(st.context.timings.window_bytes);
  if (transfer.data) {
    st.download_data = *transfer.data;
    return {};
  }
  const auto source = builds::on_master(st.context.master_dir, transfer.master_path);
  st.download = std::make_unique<std::ifstream>(source, std::ios::binary);
  if (!*st.download) return "cannot read " + source.string() + " on the master";
  return {};
}

// Ends the running step as FAILED before it ran (the slave could not take it, ...).
void step_failed(Self* self, const std::string& why) {
  auto& st = self->state;
  wire::CommandResult result;
  result.set_outcome(wire::FAILED);
  result.set_rc(-1);
  result.set_failure_reason(why);
  wire::Output header;
  header.set_kind(wire::HEADER);
  header.set_data(why + "\n");
  std::vector<events::Envelope> before;
  add_output(st, header, 0, before);
  st.core->step_output(static_cast<std::uint32_t>(st.step), header);
  step_done(self, st.core->step_done(static_cast<std::uint32_t>(st.step), result),
            std::move(before));
}

// Sends the step's command to the slave. A slave not attached right now (the master
// restarted, or the connection dropped between two steps) has the re-attach grace to
// come back before the build ends RETRY.
void send_command(Self* self) {
  auto& st = self->state;
  const auto id = st.command_id;
  self->request(st.slave, kRunTimeout, run_atom::value, FramePtr(st.pending_start),
                caf::actor_cast<caf::actor>(self))
      .then(
          [=]() {
            auto& st = self->state;
            if (st.command_id != id) return;
            st.pending_start.reset();
            pump_download(self);
          },
          [=](caf::error& error) {
            auto& st = self->state;
            if (st.command_id != id) return;
            if (is(error, ec::refused)) {
              // Not attached (yet): the slave may come back within the grace.
              if (std::chrono::steady_clock::now() < st.attach_deadline) {
                self->delayed_send(self, kAttachPoll, retry_atom::value, id);
                return;
              }
              spdlog::warn("build {} #{}: {}; the build ends RETRY", st.start.builder,
                           st.start.number, describe(error));
              return record_slave_lost(self);
            }
            spdlog::warn("build {} #{}: the slave did not take the command: {}",
                         self->state.start.builder, self->state.start.number,
                         caf::to_string(error));
            record_slave_lost(self);
          });
}

void run_remote(Self* self, const builds::StepPlan& plan) {
  auto& st = self->state;
  auto frame = std::make_shared<wire::Frame>();
  *frame->mutable_start_command() = *plan.remote;
  auto* start = frame->mutable_start_command();
  st.command_id = command_id_of(st, static_cast<std::uint32_t>(st.step));
  start->set_command_id(st.command_id);
  start->set_builder(st.start.builder);
  st.start_command_kind = std::string(
      wire::StartCommand::descriptor()->FindFieldByNumber(start->args_case())
          ? wire::StartCommand::descriptor()->FindFieldByNumber(start->args_case())->name()
          : "unknown");
  if (plan.transfer) {
    if (auto error = open_transfer(self, *plan.transfer); !error.empty()) {
      return step_failed(self, error);
    }
    if (start->has_download_file()) {
      // The slave checks that it received exactly this many bytes.
      std::uint64_t size = 0;
      if (plan.transfer->data) {
        size = plan.transfer->data->size();
      } else {
        std::error_code ec;
        size =
            fs::file_size(builds::on_master(st.context.master_dir, plan.transfer->master_path), ec);
      }
      start->mutable_download_file()->set_size(size);
    }
  }
  events::Envelope sent;
  auto* body = sent.mutable_step_command_sent();
  body->set_builder(st.start.builder);
  body->set_build_number(st.start.number);
  body->set_step_index(static_cast<std::uint32_t>(st.step));
  body->set_command_id(st.command_id);
  body->set_slave(st.start.slave);
  body->set_command(st.start_command_kind);
  if (!append(self, {std::move(sent)})) return;
  if (!st.slave) return step_failed(self, "slave '" + st.start.slave + "' has no actor");
  st.pending_start = frame;
  st.attach_deadline = std::chrono::steady_clock::now() + st.context.timings.grace;
  send_command(self);
}

// Output of a master_shell_command arrives as CommandUpdate frames from its own threads.
class MasterCommandOutput final : public slave::CommandOutput {
 public:
  MasterCommandOutput(caf::actor build, std::string id) : build_(std::move(build)), id_(id) {}
  void output(wire::OutputKind kind, const std::string& log_name, std::string data) override {
    auto frame = std::make_shared<wire::Frame>();
    auto* update = frame->mutable_command_update();
    update->set_command_id(id_);
    update->set_seq(++seq_);
    auto* out = update->add_output();
    out->set_kind(kind);
    out->set_log_name(log_name);
    out->set_data(std::move(data));
    caf::anon_send(build_, update_atom::value, FramePtr(frame));
  }
  void complete(wire::CommandResult result) override {
    auto frame = std::make_shared<wire::Frame>();
    auto* update = frame->mutable_command_update();
    update->set_command_id(id_);
    update->set_seq(++seq_);
    update->set_complete(true);
    *update->mutable_result() = std::move(result);
    caf::anon_send(build_, update_atom::value, FramePtr(frame));
  }

 private:
  caf::actor build_;
  std::string id_;
  std::uint64_t seq_ = 0;
};

}  // namespace

struct MasterRun {
  std::unique_ptr<slave::CommandOutput> output;
  std::unique_ptr<slave::Command> command;
  ~MasterRun() { command.reset(); }  // interrupts and waits, before the output goes
};

// A directory upload's archive being unpacked by `tar`, run as a child process through
// the same runner as master_shell_command (its own threads; the build actor only hears
// the end), and the command's end that waits for it.
struct Unpack {
  std::uint64_t seq = 0;
  wire::CommandResult result;
  std::vector<events::Envelope> events;
  std::unique_ptr<slave::CommandOutput> output;
  std::unique_ptr<slave::Command> command;
  ~Unpack() { command.reset(); }  // interrupts and waits, before the output goes
};

namespace {

// tar's end, to the build actor: "" when it unpacked everything, else why not.
class UnpackOutput final : public slave::CommandOutput {
 public:
  UnpackOutput(caf::actor build, std::string dest) : build_(std::move(build)), dest_(dest) {}
  void output(wire::OutputKind kind, const std::string&, std::string data) override {
    if (kind == wire::STDERR && errors_.size() < kShownErrorBytes) errors_ += data;
  }
  void complete(wire::CommandResult result) override {
    std::string error;
    if (result.outcome() != wire::FINISHED || result.rc() != 0) {
      error = "unpacking the directory into " + dest_ + " failed";
      const auto said = bounded_utf8(errors_, kShownErrorBytes);
      if (!result.failure_reason().empty()) error += ": " + result.failure_reason();
      if (!said.empty()) error += ": " + said;
    }
    caf::anon_send(build_, unpacked_atom::value, error);
  }

 private:
  static constexpr std::size_t kShownErrorBytes = 1024;
  caf::actor build_;
  std::string dest_;
  std::string errors_;
};

// The slave sent the whole archive of an upload_directory: unpack it, then end the
// command (end_command) when tar has.
void start_unpack(Self* self, std::uint64_t seq, wire::CommandResult result,
                  std::vector<events::Envelope> events) {
  auto& st = self->state;
  if (st.upload) st.upload->close();
  st.upload.reset();
  const auto dest = builds::on_master(st.context.master_dir, st.transfer->master_path);
  std::error_code ec;
  fs::create_directories(dest, ec);
  wire::StartCommand start;
  start.set_command_id(st.command_id + "/unpack");
  auto* shell = start.mutable_shell();
  // Absolute: the runner starts tar in the master's directory, which may be relative.
  for (const std::string& arg :
       {std::string("tar"), std::string(st.transfer->compressed ? "-xzf" : "-xf"),
        fs::absolute(st.transfer_temp, ec).string(), std::string("-C"),
        fs::absolute(dest, ec).string()}) {
    shell->add_argv(arg);
  }
  shell->set_want_stderr(true);
  shell->set_log_environ(false);
  slave::CommandContext context;
  context.basedir = st.context.master_dir;
  context.builder_dir = st.context.master_dir;
  auto unpack = std::make_shared<Unpack>();
  unpack->seq = seq;
  unpack->result = std::move(result);
  unpack->events = std::move(events);
  unpack->output = std::make_unique<UnpackOutput>(caf::actor_cast<caf::actor>(self), dest.string());
  std::string error;
  unpack->command = slave::make_command(start, context, *unpack->output, error);
  if (!unpack->command) {
    unpack->result.set_outcome(wire::FAILED);
    unpack->result.set_rc(-1);
    unpack->result.set_failure_reason("unpacking the directory into " + dest.string() +
                                      " failed: " + error);
    return end_command(self, seq, std::move(unpack->result), std::move(unpack->events), false);
  }
  st.unpack = unpack;
  unpack->command->start();
}

}  // namespace

namespace {

void run_on_master(Self* self, const builds::MasterCommand& command) {
  auto& st = self->state;
  st.command_id = command_id_of(st, static_cast<std::uint32_t>(st.step)) + "/master";
  wire::StartCommand start;
  start.set_command_id(st.command_id);
  auto* shell = start.mutable_shell();
  if (!command.shell.empty()) {
    shell->set_shell(command.shell);
  } else {
    for (const auto& arg : command.argv) shell->add_argv(arg);
  }
  shell->set_workdir(command.workdir);
  for (const auto& [name, value] : command.env) {
    auto* entry = shell->add_env();
    entry->set_name(name);
    entry->add_values(value);
  }
  shell->set_want_stdout(true);
  shell->set_want_stderr(true);
  shell->set_timeout_s(command.timeout_s);
  shell->set_log_environ(false);
  slave::CommandContext context;
  context.basedir = st.context.master_dir;
  context.builder_dir = st.context.master_dir;
  auto run = std::make_shared<MasterRun>();
  run->output =
      std::make_unique<MasterCommandOutput>(caf::actor_cast<caf::actor>(self), st.command_id);
  std::string error;
  run->command = slave::make_command(start, context, *run->output, error);
  if (!run->command) {
    builds::MasterActionResult result;
    result.ok = false;
    result.error = error;
    return step_done(self, st.core->step_done(static_cast<std::uint32_t>(st.step), result));
  }
  run->command->start();
  st.master_run = run;
}

// Submits one buildset per scheduler; st.trigger (builds::TriggerWait) says when the
// step is done, from the schedulers' answers and the triggered buildsets' ends.
void run_trigger(Self* self, const builds::TriggerRequest& trigger) {
  auto& st = self->state;
  const auto step = static_cast<std::uint32_t>(st.step);
  std::vector<schedulers::Trigger> commands;
  std::vector<std::string> ids;
  for (const auto& scheduler : trigger.schedulers) {
    schedulers::Trigger command;
    command.sourcestamps = trigger.sourcestamps;
    command.properties = trigger.properties;
    command.external_idstring = "trigger:" + command_id_of(st, step) + ":" + scheduler;
    command.parent_builder = st.start.builder;
    command.parent_build_number = st.start.number;
    command.parent_step_index = step;
    command.step_started = st.causes.step(st.step);
    ids.push_back(command.external_idstring);
    commands.push_back(std::move(command));
  }
  st.trigger = builds::TriggerWait(std::move(ids), trigger.wait_for_finish);
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const auto scheduler = trigger.schedulers[i];
    self->request(st.context.supervisor, kCommandTimeout, command_atom::value, scheduler,
                  std::make_shared<const schedulers::Command>(std::move(commands[i])))
        .then(
            [=]() {
              auto& st = self->state;
              if (st.step != static_cast<int>(step)) return;
              if (auto done = st.trigger.accepted()) {
                step_done(self, st.core->step_done(step, *done));
              }
            },
            [=](caf::error& error) {
              auto& st = self->state;
              if (st.step != static_cast<int>(step)) return;
              if (auto done = st.trigger.refused(scheduler, describe(error))) {
                step_done(self, st.core->step_done(step, *done));
              }
            });
  }
}

void run_plan(Self* self, const builds::StepPlan& plan) {
  auto& st = self->state;
  const auto step = static_cast<std::uint32_t>(st.step);
  switch (plan.kind) {
    case builds::StepPlan::Kind::remote:
      return run_remote(self, plan);
    case builds::StepPlan::Kind::set_properties:
      return step_done(self, st.core->step_done(step, builds::MasterActionResult{}));
    case builds::StepPlan::Kind::master_command:
      return run_on_master(self, *plan.master_command);
    case builds::StepPlan::Kind::trigger:
      return run_trigger(self, *plan.trigger);
    case builds::StepPlan::Kind::skip:
      return step_done(self, std::nullopt);
  }
}

// Asks the distributor for the locks of st.lock_wait (the builder's, or the running
// step's) and waits at most kLockDeadline for the answer (lock_wait.hpp).
void ask_locks(Self* self);

// Takes the step's locks (if it has any), then runs it.
void start_step(Self* self, builds::StartStep start) {
  auto& st = self->state;
  st.step = static_cast<int>(start.index);
  auto uses = config::step_lock_uses(st.builder.steps.at(start.index));
  if (!uses || uses->empty()) return run_plan(self, start.plan);
  BuildActorState::LockWait wait;
  wait.step = static_cast<std::int32_t>(start.index);
  wait.uses = std::make_shared<const std::vector<config::LockUse>>(std::move(*uses));
  wait.plan = std::make_shared<const builds::StepPlan>(std::move(start.plan));
  st.lock_wait = std::move(wait);
  ask_locks(self);
}

// The builder's locks cannot be granted (a lock no longer configured, ...): the build
// does not run without them; it ends EXCEPTION saying why, before any step.
void locks_refused(Self* self, const std::string& why) {
  auto& st = self->state;
  spdlog::error("build {} #{}: {}; the build ends EXCEPTION", st.start.builder, st.start.number,
                why);
  if (!st.core) st.core = make_core(st);
  st.end_reason = why;
  finish(self, st.core->abort(why).finished);
}

// A stop while the build waits for its builder's locks: nothing has run, and it ends
// CANCELLED now (as Buildbot's does), running no step, not even an alwaysRun one (they
// would run unlocked). BuildStopRequested is in the log already; a replay folds it and
// this BuildFinished to the same end.
void stop_before_start(Self* self, const std::string& who, const std::string& reason) {
  auto& st = self->state;
  st.lock_wait.reset();
  // Leaves the queue, or gives back a grant already on its way.
  self->send(st.context.distributor, release_atom::value, lock_holder(st, -1));
  if (!st.core) st.core = make_core(st);
  st.core->stop(who, reason);
  spdlog::info("build {} #{} stopped by {} while waiting for its locks", st.start.builder,
               st.start.number, who);
  events::BuildFinished finished;
  finished.set_builder(st.start.builder);
  finished.set_number(st.start.number);
  finished.set_result(events::CANCELLED);
  finished.add_text("cancelled");
  finish(self, std::move(finished));
}

void locks_granted(Self* self) {
  auto& st = self->state;
  auto wait = std::move(*st.lock_wait);
  st.lock_wait.reset();
  if (st.finishing) return;
  if (wait.step < 0) {
    st.locks_held = true;
    return begin(self);
  }
  run_plan(self, *wait.plan);
}

void locks_not_granted(Self* self, const caf::error& error) {
  auto& st = self->state;
  if (is(error, ec::timeout)) {
    // The distributor renews the wait: the locks are busy. Ask again (same place).
    if (!st.lock_wait->told) {
      spdlog::info("build {} #{}: {}", st.start.builder, st.start.number, describe(error));
      st.lock_wait->told = true;
    }
    return ask_locks(self);
  }
  if (error == caf::sec::request_timeout) {
    spdlog::warn(
        "build {} #{}: the distributor did not answer about its locks in {} s; "
        "asking again",
        st.start.builder, st.start.number, kLockDeadline.count());
    return ask_locks(self);
  }
  if (error == caf::sec::request_receiver_down) {
    // The distributor is gone: its successor adopts this build (adopt_atom) and is
    // asked then, or after kLockRetry.
    self->delayed_send(self, kLockRetry, retry_atom::value, lock_atom::value,
                       st.lock_wait->attempt);
    return;
  }
  auto wait = std::move(*st.lock_wait);
  st.lock_wait.reset();
  if (is(error, ec::cancelled) || st.finishing) return;  // a stop ended the wait: it goes on
  const auto why = "locks: " + describe(error);
  if (wait.step < 0) return locks_refused(self, why);
  builds::MasterActionResult result;
  result.ok = false;
  result.error = why;
  step_done(self, st.core->step_done(static_cast<std::uint32_t>(wait.step), result));
}

void ask_locks(Self* self) {
  auto& st = self->state;
  if (!st.lock_wait || st.finishing) return;
  const auto attempt = st.lock_wait->attempt = ++st.lock_attempts;
  auto current = [self, attempt] {
    return self->state.lock_wait && self->state.lock_wait->attempt == attempt;
  };
  self->request(st.context.distributor, kLockDeadline, lock_atom::value,
                lock_holder(st, st.lock_wait->step), st.lock_wait->uses, SlaveName(st.start.slave))
      .then(
          [=]() {
            if (current()) locks_granted(self);
          },
          [=](caf::error& error) {
            if (current()) locks_not_granted(self, error);
          });
}

void advance(Self* self) {
  auto& st = self->state;
  if (st.finishing) return;
  for (;;) {
    auto action = st.core->next();
    if (auto* start = std::get_if<builds::StartStep>(&action)) {
      std::vector<events::Envelope> events;
      events.push_back(step_started_event(start->started));
      if (start->finished) {
        events::Envelope finished;
        *finished.mutable_step_finished() = *start->finished;
        events.push_back(std::move(finished));
        if (!append(self, std::move(events))) return;
        continue;
      }
      if (start->plan.kind == builds::StepPlan::Kind::remote && !step_has_locks(st, start->index)) {
        // Appended with the command's StepCommandSent (run_remote), before it is sent.
        st.unrecorded.insert(st.unrecorded.end(), std::make_move_iterator(events.begin()),
                             std::make_move_iterator(events.end()));
      } else if (!append(self, std::move(events))) {
        return;
      }
      return start_step(self, std::move(*start));
    }
    if (std::holds_alternative<builds::WaitForStep>(action)) {
      if (!st.unrecorded.empty()) append(self, {});
      return;
    }
    return finish(self, std::get<builds::FinishBuild>(action).finished);
  }
}

// The build ends (once: builds::BuildEnd): its BuildFinished and each request's end
// (build_end.hpp), recorded until the store takes them.
void finish(Self* self, events::BuildFinished finished, std::vector<events::Envelope> before) {
  auto& st = self->state;
  if (st.finishing) return;
  st.finishing = true;
  // The last step's end, not appended yet, goes with the build's end.
  before.insert(before.begin(), std::make_move_iterator(st.unrecorded.begin()),
                std::make_move_iterator(st.unrecorded.end()));
  st.unrecorded.clear();
  auto events =
      st.end.end(builds::BuildIdentity{st.start.builder, st.start.number, st.start.request_ids},
                 std::move(finished), std::move(before));
  if (!events) return;
  st.end_events = std::move(*events);
  record_end(self);
}

// Records the build's end, again and again until the store takes it: neither the build
// nor its requests stay open because the disk was full for a while.
void record_end(Self* self) {
  auto& st = self->state;
  if (auto error = try_append(self, st.end_events)) {
    if (error->code == store::StoreErrc::closed) return self->quit(caf::exit_reason::user_shutdown);
    if (refused_as_second_writer(self, *error)) return;
    if (!st.end_waiting) {
      spdlog::error("build {} #{}: recording its end ({}) failed: {}; retrying every {} s",
                    st.start.builder, st.start.number, builds::result_name(st.end.result()),
                    error->message, kRecordRetry.count());
    }
    st.end_waiting = true;
    self->delayed_send(self, kRecordRetry, record_atom::value);
    return;
  }
  if (st.end_waiting) {
    spdlog::info("build {} #{}: the store takes writes again; its end is recorded",
                 st.start.builder, st.start.number);
  }
  st.end_events.clear();
  // The reason again: a line logged while the disk was full may be lost.
  spdlog::info("build {} #{} finished: {}{}", st.start.builder, st.start.number,
               builds::result_name(st.end.result()),
               st.end_reason.empty() ? "" : " (" + st.end_reason + ")");
  self->send(st.context.distributor, release_atom::value, lock_holder(st, -1));
  self->quit();
}

// The store refused the build's events: it stops what runs (its output, no longer
// acknowledged, would only wait in the slave) and ends EXCEPTION, saying why; the
// running step ends EXCEPTION too. The end is retried until it is recorded.
void abort_build(Self* self, const std::string& why) {
  auto& st = self->state;
  if (st.finishing) return;
  spdlog::error("build {} #{}: recording its events failed: {}; the build ends EXCEPTION",
                st.start.builder, st.start.number, why);
  const std::string reason = "the master could not record the build: " + why;
  if (st.master_run && st.master_run->command) {
    st.master_run->command->interrupt(reason);
  } else if (!st.command_id.empty() && !st.pending_start && st.slave && !st.master_run) {
    self->send(st.slave, interrupt_atom::value, st.command_id, reason);
  }
  st.unpack.reset();  // stops tar and waits for it
  finish_upload(st, false);
  std::vector<events::Envelope> events;
  st.logs.close(events);
  if (st.step >= 0) {
    events::Envelope step;
    auto* body = step.mutable_step_finished();
    body->set_builder(st.start.builder);
    body->set_build_number(st.start.number);
    body->set_step_index(static_cast<std::uint32_t>(st.step));
    body->set_result(events::EXCEPTION);
    body->add_description_done("exception");
    events.push_back(std::move(step));
  }
  release_step_locks(self);
  st.step = -1;
  st.command_id.clear();
  st.pending_start.reset();
  st.master_run.reset();
  events::BuildFinished finished;
  finished.set_builder(st.start.builder);
  finished.set_number(st.start.number);
  finished.set_result(events::EXCEPTION);
  finished.add_text("exception");
  finished.add_text(reason);
  st.end_reason = reason;
  finish(self, std::move(finished), std::move(events));
}

// An update of the running command: its output becomes log chunks, durable before the
// slave hears the ack; the last one ends the step.
void on_update(Self* self, const wire::CommandUpdate& update) {
  auto& st = self->state;
  if (st.finishing || update.command_id() != st.command_id || st.step < 0) return;
  // Its end was taken; tar unpacks it (a resend after a reconnect is acked afterwards).
  if (st.unpack) return;
  const bool from_master = st.master_run != nullptr;
  if (update.seq() <= st.last_seq) {
    // Resent after a reconnect, already durable: acknowledge it again.
    if (!from_master) {
      self->send(st.slave, ack_atom::value, update.command_id(), update.seq(), update.complete());
    }
    return;
  }
  const auto step = static_cast<std::uint32_t>(st.step);
  std::vector<events::Envelope> events;
  if (!from_master && update.seq() > st.last_seq + 1) {
    // Updates are stored in order or not at all. The first time one is missing, the
    // slave is asked to resend from it and what came after it is dropped (not acked);
    // an update seen again means the slave resent its buffer without the missing one:
    // that output is gone, the log says so and the step cannot succeed.
    if (st.gap_asked != st.last_seq + 1 || update.seq() > st.gap_dropped) {
      if (st.gap_asked != st.last_seq + 1) {
        spdlog::warn(
            "build {} #{}: update {} of command {} came before update {}; asking the "
            "slave to resend from it",
            st.start.builder, st.start.number, update.seq(), st.command_id, st.last_seq + 1);
        self->send(st.slave, resend_atom::value, st.command_id, st.last_seq);
        st.gap_asked = st.last_seq + 1;
        st.gap_dropped = 0;
      }
      st.gap_dropped = std::max(st.gap_dropped, update.seq());
      return;
    }
    const auto lost = "[the master never received updates " + std::to_string(st.last_seq + 1) +
                      " to " + std::to_string(update.seq() - 1) +
                      " of this command: their output is missing here]\n";
    spdlog::error("build {} #{}: {}", st.start.builder, st.start.number,
                  lost.substr(1, lost.size() - 3));
    wire::Output header;
    header.set_kind(wire::HEADER);
    header.set_data(lost);
    add_output(st, header, update.seq(), events);
    st.output_lost = true;
  }
  for (const auto& output : update.output()) {
    if (output.kind() == wire::FILE_DATA) {
      if (st.upload) {
        st.upload->write(output.data().data(), static_cast<std::streamsize>(output.data().size()));
        st.upload_bytes += output.data().size();
      }
      continue;
    }
    add_output(st, output, update.seq(), events);
    st.core->step_output(step, output);
  }
  if (!update.complete()) {
    if (!append(self, std::move(events))) return;
    st.last_seq = update.seq();
    if (!from_master) {
      self->send(st.slave, ack_atom::value, update.command_id(), update.seq(), false);
    }
    return;
  }
  auto result = update.result();
  if (st.output_lost && !from_master) {
    // Not SUCCESS with a hole in its log.
    result.set_outcome(wire::FAILED);
    result.set_failure_reason("the master did not receive all of the command's output");
  }
  const bool ok = result.outcome() == wire::FINISHED && result.rc() == 0;
  if (ok && !from_master && st.start_command_kind == "upload_directory" && st.transfer &&
      st.transfer->direction == builds::MasterTransfer::Direction::to_master) {
    return start_unpack(self, update.seq(), std::move(result), std::move(events));
  }
  end_command(self, update.seq(), std::move(result), std::move(events), from_master);
}

// The running command ended (and a directory upload was unpacked): the step's result,
// then the slave's ack.
void end_command(Self* self, std::uint64_t seq, wire::CommandResult result,
                 std::vector<events::Envelope> events, bool from_master) {
  auto& st = self->state;
  const auto step = static_cast<std::uint32_t>(st.step);
  const bool ok = result.outcome() == wire::FINISHED && result.rc() == 0;
  if (auto error = finish_upload(st, ok); !error.empty()) {
    result.set_outcome(wire::FAILED);
    result.set_rc(-1);
    result.set_failure_reason(error);
  }
  std::optional<builds::StepDone> done;
  if (from_master) {
    builds::MasterActionResult master;
    master.rc = result.rc();
    master.interrupted = result.outcome() == wire::INTERRUPTED;
    master.ok = result.outcome() != wire::CANNOT_START && result.outcome() != wire::FAILED;
    master.error = result.failure_reason();
    st.master_run.reset();
    done = st.core->step_done(step, master);
  } else {
    done = st.core->step_done(step, result);
  }
  const auto id = st.command_id;
  step_done(self, std::move(done), std::move(events));
  if (!from_master) self->send(st.slave, ack_atom::value, id, seq, true);
}

// tar ended ("" or why it failed): the upload's command ends now.
void on_unpacked(Self* self, const std::string& error) {
  auto& st = self->state;
  auto unpack = std::exchange(st.unpack, nullptr);
  if (!unpack || st.finishing) return;  // the step ended meanwhile (stopped, aborted)
  if (!error.empty()) {
    unpack->result.set_outcome(wire::FAILED);
    unpack->result.set_rc(-1);
    unpack->result.set_failure_reason(error);
  }
  end_command(self, unpack->seq, std::move(unpack->result), std::move(unpack->events), false);
}

// The build's core, from what the build started with.
std::unique_ptr<builds::BuildCore> make_core(const BuildActorState& st) {
  builds::BuildSetup setup;
  setup.builder = st.builder;
  setup.build_number = st.start.number;
  setup.properties = st.start.properties;
  setup.sourcestamps = st.start.sourcestamps;
  setup.slave = st.start.slave;
  setup.slave_builder_dir = st.slave_builder_dir;
  return std::make_unique<builds::BuildCore>(std::move(setup));
}

// Rebuilds the core from the build's own events after a master restart, restores the
// running step's logs, and does what builds::decide_recovery says: go on, start the step
// again, re-attach to its command, or end RETRY.
void recover(Self* self) {
  auto& st = self->state;
  const auto stream = build_stream(st);
  auto version = st.context.log->stream_version(stream);
  if (!version) return self->quit(caf::exit_reason::user_shutdown);
  auto events = st.context.log->read_stream(stream, StreamVersion(1), version->value());
  if (!events) return self->quit(caf::exit_reason::user_shutdown);
  builds::RecoveredStep recovered;  // the command the running step had sent, its logs
  for (const auto& event : *events) {
    st.causes.evolve(event);
    if (event.has_build_started()) {
      const auto& body = event.build_started();
      st.start.properties.assign(body.properties().begin(), body.properties().end());
      st.start.sourcestamps.assign(body.sourcestamps().begin(), body.sourcestamps().end());
      st.start.reason = body.reason();
      st.core = make_core(st);
    }
    if (!st.core) continue;
    st.core->evolve(event);
    recovered.evolve(event);
  }
  if (!st.core) return self->quit(caf::exit_reason::user_shutdown);
  // The last durable update first (the last chunk of each log): a recovering build tells
  // its slave's actor what it waits for before it reads the logs again, so a slave that
  // attaches meanwhile has its command resumed, not abandoned.
  const auto running = st.core->running_step();
  if (running) {
    st.step = static_cast<int>(running->index);
    for (const auto& [name, log_stream] : recovered.log_streams()) {
      auto chunks = st.context.log->stream_version(log_stream);
      if (!chunks || chunks->value() == 0) continue;
      auto last = st.context.log->read_stream(log_stream, *chunks, 1);
      if (last && !last->empty() && last->front().has_log_chunk()) {
        st.last_seq = std::max(st.last_seq, last->front().log_chunk().command_seq());
      }
    }
  }
  // Where each log stands, and what the parsers had seen.
  auto read_logs_again = [&] {
    if (!running) return;
    for (const auto& [name, log_stream] : recovered.log_streams()) {
      auto& log = st.logs.restore(name, log_stream);
      auto chunks = st.context.log->read_log(log_stream, StreamVersion(1), 1u << 30);
      if (!chunks) continue;
      for (const auto& chunk : *chunks) {
        st.core->step_output(running->index,
                             builds::stored_output(name, chunk.channel, chunk.data));
        log.bytes = chunk.offset + chunk.data.size();
        ++log.chunks;
      }
    }
  };
  auto decision =
      builds::decide_recovery(*st.core, recovered, static_cast<bool>(st.slave), st.last_seq);
  if (!std::holds_alternative<builds::Reattach>(decision)) read_logs_again();
  if (std::holds_alternative<builds::NoStepRunning>(decision)) return advance(self);
  if (auto* restart = std::get_if<builds::RestartStep>(&decision)) {
    // The step never reached the slave (StepCommandSent comes before the command is
    // sent): it was waiting for its locks. Ask for them again and run it.
    spdlog::info("build {} #{}: step {} had not started its command; starting it now",
                 st.start.builder, st.start.number, restart->step);
    builds::StartStep start;
    start.index = restart->step;
    start.plan = std::move(restart->plan);
    return start_step(self, std::move(start));
  }
  if (auto* reattach = std::get_if<builds::Reattach>(&decision)) {
    st.command_id = reattach->command_id;
    spdlog::info("build {} #{}: waiting for slave {} to resume command {} after update {}",
                 st.start.builder, st.start.number, st.start.slave, reattach->command_id,
                 reattach->last_seq);
    self->send(st.slave, expect_atom::value, reattach->command_id,
               caf::actor_cast<caf::actor>(self), reattach->last_seq);
    // The slave's updates reach this actor after recover() returns, once the parsers
    // have seen the stored output again.
    return read_logs_again();
  }
  spdlog::info("build {} #{}: step {} cannot be taken back; the build ends RETRY", st.start.builder,
               st.start.number, std::get<builds::EndRetry>(decision).step);
  record_slave_lost(self);
}

// An exception escaped the handling of a message (a parser, a property, ...): rather
// than let the actor die and leave the build "running" with its requests claimed for
// ever (and taken back, to fail again, after each restart), the build ends EXCEPTION:
// the running step's command is interrupted, its logs closed, the step and the build
// recorded as EXCEPTION with the reason, the requests completed, the locks released.
caf::error end_in_exception(Self* self, std::exception_ptr& failure) {
  auto& st = self->state;
  std::string why = "internal error";
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    why = std::string("internal error: ") + e.what();
  } catch (...) {
  }
  why = to_valid_utf8(why);
  spdlog::error("build {} #{}: {}; the build ends EXCEPTION", st.start.builder, st.start.number,
                why);
  if (st.finishing || !st.core) return caf::make_error(caf::sec::runtime_error, why);
  st.master_run.reset();  // interrupts a master_shell_command and waits for it
  st.unpack.reset();      // and a directory upload's tar
  if (!st.command_id.empty() && st.slave) {
    self->send(st.slave, interrupt_atom::value, st.command_id, "the build ended: " + why);
  }
  finish_upload(st, false);
  std::vector<events::Envelope> events;
  st.logs.close(events);
  auto aborted = st.core->abort(why);
  if (aborted.step) {
    events::Envelope step;
    *step.mutable_step_finished() = *aborted.step;
    events.push_back(std::move(step));
  }
  append(self, std::move(events));
  release_step_locks(self);
  finish(self, aborted.finished);
  return caf::make_error(caf::sec::runtime_error, why);
}

void begin(Self* self) {
  auto& st = self->state;
  if (st.start.recovering) return recover(self);
  st.core = make_core(st);
  if (!st.slave) return record_slave_lost(self);
  advance(self);
}

}  // namespace

caf::behavior build_actor(Self* self, BuildStart start, config::BuilderConfig builder,
                          ConfigPtr config, BuildContext context) {
  auto& st = self->state;
  st.start = std::move(start);
  st.builder = std::move(builder);
  st.config = std::move(config);
  st.context = std::move(context);
  st.causes = builds::BuildCauses(st.start.started_by);
  st.slave_builder_dir = !st.builder.slavebuilddir.empty() ? st.builder.slavebuilddir
                         : !st.builder.builddir.empty()    ? st.builder.builddir
                                                           : st.builder.name;
  if (st.context.hub) st.slave = st.context.hub->actor_of(st.start.slave);
  self->set_exception_handler([=](caf::scheduled_actor*, std::exception_ptr& failure) {
    return end_in_exception(self, failure);
  });
  self->set_exit_handler([=](caf::exit_msg& exit) {
    // The master stops: the build stays running in the log and is taken back at start.
    self->state.master_run.reset();
    self->state.unpack.reset();
    self->quit(exit.reason);
  });
  // One owner per build: the owners' table forgets this actor when it exits.
  self->attach_functor([owners = st.context.owners,
                        key = std::make_pair(st.start.builder, st.start.number),
                        address = self->address()](const caf::error&) {
    if (owners) owners->remove(key, address);
  });
  st.version = st.start.stream_version;
  if (st.start.recovering) {
    // Taken back after a restart: its stream as it is now.
    auto version = st.context.log->stream_version(build_stream(st));
    st.version = version ? version->value() : 0;
  }
  // The builder's locks first (all or nothing), then the steps.
  if (st.builder.locks.empty()) {
    self->send(self, init_atom::value);
  } else {
    BuildActorState::LockWait wait;
    wait.uses = std::make_shared<const std::vector<config::LockUse>>(st.builder.locks);
    st.lock_wait = std::move(wait);
    ask_locks(self);
  }
  return {
      [=](retry_atom, lock_atom, std::uint64_t attempt) {
        auto& st = self->state;
        if (st.lock_wait && st.lock_wait->attempt == attempt) ask_locks(self);
      },
      // A restarted distributor took this build over: lock requests and releases go to
      // it; a lock wait is asked again there (the old one's promise died with it).
      [=](adopt_atom, const caf::actor& distributor) {
        self->state.context.distributor = distributor;
        ask_locks(self);
      },
      [=](init_atom) { begin(self); },
      [=](record_atom) { record_end(self); },
      [=](retry_atom, const std::string& id) {
        if (id == self->state.command_id && self->state.pending_start) send_command(self);
      },
      [=](update_atom, const FramePtr& frame) { on_update(self, frame->command_update()); },
      [=](unpacked_atom, const std::string& error) { on_unpacked(self, error); },
      [=](data_ack_atom, const std::string& id, std::uint64_t seq) {
        auto& st = self->state;
        if (id != st.command_id) return;
        st.download_window.acked(seq);
        pump_download(self);
      },
      [=](lost_atom, const std::string& id) {
        auto& st = self->state;
        if (st.finishing || id != st.command_id || st.step < 0) return;
        spdlog::warn("build {} #{}: slave {} lost during step {}", st.start.builder,
                     st.start.number, st.start.slave, st.step);
        finish_upload(st, false);
        record_slave_lost(self);
      },
      [=](stop_atom, const std::string& who, const std::string& reason) {
        auto& st = self->state;
        if (st.finishing) return;
        if (st.lock_wait && st.lock_wait->step < 0) return stop_before_start(self, who, reason);
        if (!st.core) return;
        auto decision = st.core->stop(who, reason);
        if (!decision) return;
        if (decision->interrupt) {
          if (st.master_run && st.master_run->command) {
            st.master_run->command->interrupt("stopped by " + who);
          } else if (st.unpack && st.unpack->command) {
            st.unpack->command->interrupt("stopped by " + who);
          } else if (!st.command_id.empty() && !st.pending_start) {
            self->send(st.slave, interrupt_atom::value, st.command_id,
                       "stopped by " + who + (reason.empty() ? "" : ": " + reason));
          } else if (st.step >= 0) {
            // Waiting for a lock or a trigger: nothing runs yet; end the step now.
            st.lock_wait.reset();
            self->send(st.context.distributor, release_atom::value, lock_holder(st, st.step));
            builds::MasterActionResult result;
            result.interrupted = true;
            st.trigger.cancel();
            step_done(self, st.core->step_done(static_cast<std::uint32_t>(st.step), result));
          }
        } else if (st.step < 0) {
          advance(self);
        }
      },
      [=](trigger_atom, const std::string& external_id, std::uint64_t buildset) {
        self->state.trigger.submitted(external_id, buildset);
      },
      [=](buildset_done_atom, const BuildsetId& buildset, std::int32_t result) {
        auto& st = self->state;
        if (st.step < 0) return;
        if (auto done =
                st.trigger.buildset_done(buildset.value(), static_cast<events::Result>(result))) {
          step_done(self, st.core->step_done(static_cast<std::uint32_t>(st.step), *done));
        }
      },
  };
}

}  // namespace eventbot::master
