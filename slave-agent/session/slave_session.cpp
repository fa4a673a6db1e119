#include "slave-agent/session/slave_session.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "slave-agent/session/master_link.hpp"
#include "slave-agent/session/reconnect_backoff.hpp"
#include "slave-agent/session/slave_info.hpp"

namespace eventbot::slave {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

std::size_t data_bytes(const wire::CommandUpdate& update) {
  std::size_t bytes = 0;
  for (const auto& output : update.output()) bytes += output.data().size();
  return bytes;
}

std::string frame_name(const wire::Frame& frame) {
  const auto* field = wire::Frame::descriptor()->FindFieldByNumber(frame.body_case());
  return field ? field->name() : "unknown";
}

}  // namespace

// One command the master started, from StartCommand until its completion is acked
// (or it is abandoned). Every field is guarded by State::mutex.
struct CommandSlot final : CommandOutput, std::enable_shared_from_this<CommandSlot> {
  struct Sent {
    std::uint64_t seq;
    std::size_t bytes;
    wire::Frame frame;
  };

  CommandSlot(SlaveSession::State& state, std::string id) : state(state), id(std::move(id)) {}
  void output(wire::OutputKind kind, const std::string& log_name, std::string data) override;
  void complete(wire::CommandResult result) override;

  SlaveSession::State& state;
  const std::string id;
  std::shared_ptr<Command> command;
  // Output not yet in an update (less than chunk_bytes once output() returns).
  std::vector<wire::Output> pending;
  std::size_t pending_bytes = 0;
  Clock::time_point pending_since;
  // The resend buffer: every update sent (or to be sent) and not yet acknowledged.
  std::deque<Sent> unacked;
  std::size_t unacked_bytes = 0;
  std::uint64_t next_seq = 1;
  // False from a disconnect until the master's ResumeCommand: updates are kept, not sent.
  bool attached = true;
  bool ended = false;      // complete() has been called
  bool abandoned = false;  // interrupted and forgotten: its output is dropped
  std::optional<Clock::time_point> awaiting_resume_since;
  std::deque<wire::CommandData> data_queue;
  std::thread data_thread;
  bool data_stop = false;
};

struct SlaveSession::State {
  SessionOptions options;
  mutable std::mutex mutex;
  std::condition_variable changed;  // acks, new output, stop: every waiter re-checks
  bool started = false;
  bool stopping = false;
  bool shutting_down = false;  // the master ordered a shutdown: no new commands
  bool finished = false;
  bool shutdown_wanted = false;  // ShutdownRequested to send on the next connection
  std::string shutdown_why;
  MasterLink* link = nullptr;  // the live connection, while there is one
  std::uint32_t chunk_bytes = kDefaultChunkBytes;
  std::uint32_t flush_ms = kDefaultFlushMs;
  std::uint32_t window_bytes = kDefaultWindowBytes;
  std::map<std::string, std::string> builder_dirs;
  std::map<std::string, std::shared_ptr<CommandSlot>> commands;
  std::vector<std::shared_ptr<CommandSlot>> graveyard;  // to free on the housekeeping thread
  std::vector<std::shared_ptr<CommandSlot>> dying;      // abandoned, not yet completed
  std::thread connection_thread;
  std::thread housekeeping_thread;
  std::optional<fs::file_time_type> stamp_time;

  explicit State(SessionOptions o) : options(std::move(o)) {}

  // --- flow control (mutex held) -------------------------------------------------

  bool can_send(const CommandSlot& slot, std::size_t bytes) const {
    return slot.unacked.empty() || slot.unacked_bytes + bytes <= window_bytes;
  }

  void send_locked(wire::Frame frame) {
    if (link != nullptr) link->send(std::move(frame));
  }

  // Moves up to `limit` bytes of pending output into an update (splitting an output).
  wire::CommandUpdate take_pending(CommandSlot& slot, std::size_t limit) {
    wire::CommandUpdate update;
    std::size_t taken = 0;
    std::size_t consumed = 0;  // outputs moved whole into the update
    for (auto& output : slot.pending) {
      if (taken == limit) break;
      std::size_t room = limit - taken;
      if (output.data().size() <= room) {
        taken += output.data().size();
        *update.add_output() = std::move(output);
        ++consumed;
        continue;
      }
      auto* part = update.add_output();  // this output keeps its rest
      part->set_kind(output.kind());
      part->set_log_name(output.log_name());
      part->set_data(output.data().substr(0, room));
      output.mutable_data()->erase(0, room);
      taken += room;
      break;
    }
    slot.pending.erase(slot.pending.begin(),
                       slot.pending.begin() + static_cast<std::ptrdiff_t>(consumed));
    slot.pending_bytes -= taken;
    slot.pending_since = Clock::now();
    return update;
  }

  void emit(CommandSlot& slot, wire::CommandUpdate update) {
    update.set_command_id(slot.id);
    update.set_seq(slot.next_seq++);
    CommandSlot::Sent sent{update.seq(), data_bytes(update), {}};
    *sent.frame.mutable_command_update() = std::move(update);
    slot.unacked_bytes += sent.bytes;
    if (slot.attached) send_locked(sent.frame);
    slot.unacked.push_back(std::move(sent));
  }

  void drop_acked(CommandSlot& slot, std::uint64_t seq) {
    while (!slot.unacked.empty() && slot.unacked.front().seq <= seq) {
      slot.unacked_bytes -= slot.unacked.front().bytes;
      slot.unacked.pop_front();
    }
  }

  // A command whose completion the master has acknowledged, or that was abandoned and
  // has ended, leaves the table; it is freed on the housekeeping thread.
  void forget_if_done(const std::shared_ptr<CommandSlot>& slot) {
    bool done = slot->ended && (slot->abandoned || slot->unacked.empty());
    if (!done) return;
    if (auto it = commands.find(slot->id); it != commands.end() && it->second == slot) {
      commands.erase(it);
    }
    graveyard.push_back(slot);
    changed.notify_all();
  }

  // Interrupt and forget (AbandonCommand, or no resume in time). Mutex held; returns
  // the command to interrupt once it is released.
  std::shared_ptr<Command> abandon_locked(const std::shared_ptr<CommandSlot>& slot) {
    slot->abandoned = true;
    slot->pending.clear();
    slot->pending_bytes = 0;
    slot->unacked.clear();
    slot->unacked_bytes = 0;
    commands.erase(slot->id);
    (slot->ended ? graveyard : dying).push_back(slot);
    changed.notify_all();
    return slot->command;
  }

  // --- frames from the master (connection thread) ----------------------------------

  void on_frame(const wire::Frame& frame) {
    switch (frame.body_case()) {
      case wire::Frame::kSlaveSettings:
        return on_settings(frame.slave_settings());
      case wire::Frame::kStartCommand:
        return on_start(frame.start_command());
      case wire::Frame::kUpdateAck:
        return on_ack(frame.update_ack());
      case wire::Frame::kInterruptCommand:
        return on_interrupt(frame.interrupt_command());
      case wire::Frame::kCommandData:
        return on_data(frame.command_data());
      case wire::Frame::kResumeCommand:
        return on_resume(frame.resume_command());
      case wire::Frame::kAbandonCommand:
        return on_abandon(frame.abandon_command());
      case wire::Frame::kShutdown:
        return on_shutdown(frame.shutdown());
      case wire::Frame::kError:
        spdlog::warn("the master reports an error: {}", frame.error().message());
        return;
      default:
        spdlog::warn("unexpected {} frame from the master; ignored", frame_name(frame));
        return;
    }
  }

  void on_settings(const wire::SlaveSettings& settings) {
    {
      std::lock_guard lock(mutex);
      chunk_bytes = settings.chunk_bytes() ? settings.chunk_bytes() : kDefaultChunkBytes;
      flush_ms = settings.flush_ms() ? settings.flush_ms() : kDefaultFlushMs;
      window_bytes = settings.window_bytes() ? settings.window_bytes() : kDefaultWindowBytes;
      builder_dirs.clear();
      for (const auto& [builder, dir] : settings.builder_dirs()) builder_dirs[builder] = dir;
      if (link != nullptr) link->set_heartbeat(heartbeat_times(settings));
      changed.notify_all();
    }
    spdlog::info(
        "settings from the master: {} builders, chunk {} B, window {} B, heartbeat {} ms, "
        "dead after {} ms",
        settings.builder_dirs_size(), chunk_bytes, window_bytes, settings.heartbeat_ms(),
        settings.dead_after_ms());
    for (const auto& [builder, dir] : settings.builder_dirs()) {
      std::error_code ec;
      fs::create_directories(options.basedir / dir, ec);
      if (ec)
        spdlog::warn("cannot create the directory of builder '{}': {}", builder, ec.message());
    }
  }

  HeartbeatTimes heartbeat_times(const wire::SlaveSettings& settings) const {
    HeartbeatTimes times = default_heartbeat();
    if (settings.heartbeat_ms()) times.heartbeat = milliseconds(settings.heartbeat_ms());
    if (settings.dead_after_ms()) {
      times.dead_after = milliseconds(settings.dead_after_ms());
    } else if (settings.heartbeat_ms()) {
      times.dead_after = 3 * times.heartbeat;
    }
    return times;
  }

  HeartbeatTimes default_heartbeat() const {
    HeartbeatTimes times;
    if (options.config.keepalive_s == 0) return {milliseconds(0), milliseconds(0)};  // none
    times.heartbeat = milliseconds(std::max(1u, options.config.keepalive_s) * 1000ull);
    times.dead_after = 3 * times.heartbeat;
    return times;
  }

  void on_start(const wire::StartCommand& start) {
    const auto& id = start.command_id();
    std::shared_ptr<CommandSlot> slot;
    CommandContext context;
    std::string refusal;
    {
      std::lock_guard lock(mutex);
      if (id.empty()) {
        spdlog::warn("StartCommand without a command id; ignored");
        return;
      }
      if (commands.count(id)) {
        spdlog::warn("StartCommand for '{}', which is already running here; ignored", id);
        return;
      }
      slot = std::make_shared<CommandSlot>(*this, id);
      commands[id] = slot;
      context.basedir = options.basedir;
      auto dir = builder_dirs.find(start.builder());
      context.builder_dir =
          options.basedir / (dir != builder_dirs.end() ? dir->second : start.builder());
      context.chunk_bytes = chunk_bytes;
      context.flush_ms = flush_ms;
      context.use_pty_default = options.config.usepty;
      if (shutting_down) refusal = "the slave is shutting down";
      if (stopping) refusal = "the slave is stopping";
    }
    std::unique_ptr<Command> command;
    if (refusal.empty()) {
      try {
        command = options.make_command(start, context, *slot, refusal);
      } catch (const std::exception& error) {
        refusal = std::string("cannot create the command: ") + error.what();
      }
      if (!command && refusal.empty()) refusal = "unknown command";
    }
    if (!command) {
      spdlog::warn("command {} refused: {}", id, refusal);
      wire::CommandResult result;
      result.set_outcome(wire::CANNOT_START);
      result.set_rc(-1);
      result.set_failure_reason(refusal);
      slot->output(wire::HEADER, "", refusal + "\n");
      slot->complete(result);
      return;
    }
    spdlog::info(
        "command {} ({}) started", id,
        start.args_case() == wire::StartCommand::ARGS_NOT_SET
            ? std::string("no args")
            : wire::StartCommand::descriptor()->FindFieldByNumber(start.args_case())->name());
    std::shared_ptr<Command> shared(std::move(command));
    {
      std::lock_guard lock(mutex);
      slot->command = shared;
    }
    shared->start();
  }

  std::shared_ptr<CommandSlot> find(const std::string& id, const char* what) {
    auto it = commands.find(id);
    if (it == commands.end()) {
      spdlog::warn("{} for unknown command '{}'; ignored", what, id);
      return nullptr;
    }
    return it->second;
  }

  void on_ack(const wire::UpdateAck& ack) {
    std::lock_guard lock(mutex);
    auto slot = find(ack.command_id(), "UpdateAck");
    if (!slot) return;
    if (ack.seq() >= slot->next_seq) {
      spdlog::warn("UpdateAck for command {} acknowledges seq {}, beyond the last sent ({})",
                   slot->id, ack.seq(), slot->next_seq - 1);
    }
    drop_acked(*slot, ack.seq());
    changed.notify_all();
    forget_if_done(slot);
  }

  void on_interrupt(const wire::InterruptCommand& interrupt) {
    std::shared_ptr<Command> command;
    {
      std::lock_guard lock(mutex);
      auto slot = find(interrupt.command_id(), "InterruptCommand");
      if (!slot) return;
      command = slot->command;
    }
    spdlog::info("command {} interrupted by the master: {}", interrupt.command_id(),
                 interrupt.why());
    if (command) command->interrupt(interrupt.why());
  }

  void on_data(const wire::CommandData& data) {
    std::lock_guard lock(mutex);
    auto slot = find(data.command_id(), "CommandData");
    if (!slot) return;
    slot->data_queue.push_back(data);
    if (!slot->data_thread.joinable()) {
      slot->data_thread = std::thread([this, slot] { data_loop(slot); });
    }
    changed.notify_all();
  }

  // Hands download data to the command in order and acknowledges each piece once the
  // command has taken it.
  void data_loop(const std::shared_ptr<CommandSlot>& slot) {
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return slot->data_stop || !slot->data_queue.empty(); });
      if (slot->data_stop) return;
      auto data = std::move(slot->data_queue.front());
      slot->data_queue.pop_front();
      auto command = slot->command;
      lock.unlock();
      if (command) command->data(std::move(*data.mutable_data()), data.eof());
      lock.lock();
      wire::Frame ack;
      ack.mutable_data_ack()->set_command_id(slot->id);
      ack.mutable_data_ack()->set_seq(data.seq());
      send_locked(std::move(ack));
    }
  }

  void on_resume(const wire::ResumeCommand& resume) {
    std::lock_guard lock(mutex);
    auto slot = find(resume.command_id(), "ResumeCommand");
    if (!slot) return;
    drop_acked(*slot, resume.acked_seq());
    if (!slot->unacked.empty() && slot->unacked.front().seq > resume.acked_seq() + 1) {
      spdlog::warn(
          "ResumeCommand for {} after seq {}, but updates up to {} were acknowledged "
          "before; resending from {}",
          slot->id, resume.acked_seq(), slot->unacked.front().seq - 1, slot->unacked.front().seq);
    }
    slot->attached = true;
    slot->awaiting_resume_since.reset();
    for (const auto& sent : slot->unacked) send_locked(sent.frame);
    spdlog::info("command {} resumed after seq {}: {} updates resent", slot->id, resume.acked_seq(),
                 slot->unacked.size());
    changed.notify_all();
    forget_if_done(slot);
  }

  void on_abandon(const wire::AbandonCommand& abandon) {
    std::shared_ptr<Command> command;
    {
      std::lock_guard lock(mutex);
      auto slot = find(abandon.command_id(), "AbandonCommand");
      if (!slot) return;
      command = abandon_locked(slot);
    }
    spdlog::info("command {} abandoned by the master: {}", abandon.command_id(), abandon.why());
    if (command) command->interrupt("abandoned by the master: " + abandon.why());
  }

  void on_shutdown(const wire::Shutdown& shutdown) {
    if (options.config.allow_shutdown == AllowShutdown::none) {
      spdlog::warn(
          "the master asks this slave to shut down ({}); ignored: allow_shutdown is "
          "not set in slave.yaml",
          shutdown.why());
      return;
    }
    std::lock_guard lock(mutex);
    spdlog::info(
        "the master asks this slave to shut down ({}); no new commands, exiting once "
        "the {} running end",
        shutdown.why(), commands.size());
    shutting_down = true;
    changed.notify_all();
  }

  // --- the connection thread -------------------------------------------------------

  wire::Frame slave_info_locked() {
    wire::Frame frame;
    auto* info = frame.mutable_slave_info();
    *info = describe_slave(options.basedir, options.config.allow_shutdown != AllowShutdown::none);
    for (const auto& name : options.command_names) info->add_commands(name);
    auto now = Clock::now();
    for (auto& [id, slot] : commands) {
      auto* running = info->add_running();
      running->set_command_id(id);
      running->set_last_seq(slot->next_seq - 1);
      running->set_complete(slot->ended);
      slot->awaiting_resume_since = now;
    }
    return frame;
  }

  void connection_loop() {
    const auto& config = options.config;
    ReconnectBackoff backoff(ReconnectBackoff::Seconds(config.retry_initial_s),
                             ReconnectBackoff::Seconds(config.maxdelay_s));
    auto where = config.master_host + ":" + std::to_string(config.master_port);
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (stopping || finished) return;
      }
      spdlog::info("connecting to the master at {}{} as '{}'", where, config.tls ? " (TLS)" : "",
                   config.name);
      auto connected = MasterLink::connect(
          port::MasterAddress{config.master_host, config.master_port, {config.tls, config.ca_file}},
          config.name, config.password, options.connect_timeout);
      if (options.on_connect_attempt) {
        using Kind = ConnectOutcome::Kind;
        options.on_connect_attempt(
            connected ? ConnectOutcome{Kind::connected, (*connected)->master_id()}
            : connected.error().refused
                ? ConnectOutcome{Kind::refused, connected.error().message}
                : ConnectOutcome{Kind::unreachable, connected.error().message});
      }
      if (!connected) {
        if (connected.error().refused) {
          spdlog::error("the master at {} REFUSED this slave: {} (check name and password in {})",
                        where, connected.error().message, config_file(options.basedir).string());
        } else {
          spdlog::warn("cannot connect to the master at {}: {}", where, connected.error().message);
        }
      } else {
        backoff.reset();
        auto current = std::move(*connected);
        spdlog::info("connected to the master '{}' at {}", current->master_id(), current->remote());
        {
          std::lock_guard lock(mutex);
          if (stopping) return;
          link = current.get();
          link->send(slave_info_locked());
          if (shutdown_wanted) {
            wire::Frame request;
            request.mutable_shutdown_requested()->set_why(shutdown_why);
            link->send(request);
            shutdown_wanted = false;
          }
        }
        auto lost = current->run([this](const wire::Frame& frame) { on_frame(frame); },
                                 default_heartbeat());
        {
          std::lock_guard lock(mutex);
          link = nullptr;
          for (auto& [id, slot] : commands) {
            slot->attached = false;
            slot->awaiting_resume_since.reset();
          }
        }
        current.reset();
        spdlog::warn("lost the connection to the master: {}", lost);
      }
      auto delay = backoff.next();
      std::unique_lock lock(mutex);
      if (stopping || finished) return;
      spdlog::info("reconnecting in {:.1f} s", delay.count());
      changed.wait_for(lock, delay, [&] { return stopping || finished; });
    }
  }

  // --- the housekeeping thread -----------------------------------------------------

  void housekeeping_loop() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      auto now = Clock::now();
      auto next = now + milliseconds(200);
      // Time-based flushes of partial updates.
      for (auto& [id, slot] : commands) {
        if (slot->pending.empty() || slot->abandoned) continue;
        auto due = slot->pending_since + milliseconds(flush_ms);
        if (due <= now && can_send(*slot, slot->pending_bytes)) {
          emit(*slot, take_pending(*slot, slot->pending_bytes));
        } else if (due > now) {
          next = std::min(next, due);
        }
      }
      // Commands the master neither resumed nor abandoned after a reconnect.
      std::vector<std::shared_ptr<Command>> to_interrupt;
      auto limit = std::chrono::seconds(options.config.resume_timeout_s);
      for (auto it = commands.begin(); it != commands.end();) {
        auto slot = (it++)->second;
        if (slot->awaiting_resume_since && now - *slot->awaiting_resume_since > limit) {
          spdlog::warn(
              "command {} was neither resumed nor abandoned by the master within {} s "
              "of reconnecting; interrupting it",
              slot->id, limit.count());
          if (auto command = abandon_locked(slot)) to_interrupt.push_back(command);
        }
      }
      check_shutdown_stamp();
      if (shutting_down && commands.empty() && !finished) {
        spdlog::info("no command left: shutting down as the master asked");
        finished = true;
        if (link != nullptr) link->close("slave shutting down");
        changed.notify_all();
      }
      auto dead = std::move(graveyard);
      graveyard.clear();
      lock.unlock();
      for (auto& command : to_interrupt) command->interrupt("not resumed by the master");
      for (auto& slot : dead) free_slot(slot);
      dead.clear();
      to_interrupt.clear();
      lock.lock();
      if (!graveyard.empty()) continue;
      changed.wait_until(lock, next);
    }
  }

  // Mutex not held.
  void free_slot(const std::shared_ptr<CommandSlot>& slot) {
    std::shared_ptr<Command> command;
    bool ended = false;
    {
      std::lock_guard lock(mutex);
      slot->data_stop = true;
      command = std::move(slot->command);
      ended = slot->ended;
      changed.notify_all();
    }
    if (command && !ended) command->interrupt("the slave forgets this command");
    if (slot->data_thread.joinable()) slot->data_thread.join();
    command.reset();  // joins the command's threads
  }

  void check_shutdown_stamp() {
    if (options.config.allow_shutdown != AllowShutdown::file) return;
    std::error_code ec;
    auto time = fs::last_write_time(options.basedir / "shutdown.stamp", ec);
    if (ec) return;
    if (stamp_time && *stamp_time != time) {
      spdlog::info("shutdown.stamp changed: asking the master for a graceful shutdown");
      request_shutdown_locked("shutdown.stamp touched");
    }
    stamp_time = time;
  }

  void request_shutdown_locked(const std::string& why) {
    if (link != nullptr) {
      wire::Frame request;
      request.mutable_shutdown_requested()->set_why(why);
      link->send(request);
    } else {
      shutdown_wanted = true;
      shutdown_why = why;
    }
  }
};

// --- CommandOutput: called on the command's own thread ----------------------------

void CommandSlot::output(wire::OutputKind kind, const std::string& log_name, std::string data) {
  if (data.empty()) return;
  std::unique_lock lock(state.mutex);
  if (abandoned || state.stopping) return;
  if (pending.empty()) pending_since = Clock::now();
  pending_bytes += data.size();
  if (!pending.empty() && pending.back().kind() == kind && pending.back().log_name() == log_name) {
    pending.back().mutable_data()->append(data);
  } else {
    auto& added = pending.emplace_back();
    added.set_kind(kind);
    added.set_log_name(log_name);
    added.set_data(std::move(data));
  }
  while (pending_bytes >= state.chunk_bytes) {
    std::size_t chunk = state.chunk_bytes;
    state.changed.wait(lock, [&] {
      return abandoned || state.stopping || pending_bytes < chunk || state.can_send(*this, chunk);
    });
    if (abandoned || state.stopping) return;
    if (pending_bytes < chunk) break;
    state.emit(*this, state.take_pending(*this, chunk));
  }
  state.changed.notify_all();  // the housekeeper flushes what is left in time
}

void CommandSlot::complete(wire::CommandResult result) {
  std::unique_lock lock(state.mutex);
  auto finish = [&] {
    ended = true;
    state.changed.notify_all();
    if (abandoned) {  // nobody waits for it: free it
      auto self = shared_from_this();
      std::erase(state.dying, self);
      state.graveyard.push_back(self);
    }
  };
  auto gone = [&] { return abandoned || state.stopping; };
  // Whatever is pending goes out in full chunks, and the rest with the result.
  while (!gone() && pending_bytes > state.chunk_bytes) {
    std::size_t chunk = state.chunk_bytes;
    state.changed.wait(lock, [&] { return gone() || state.can_send(*this, chunk); });
    if (!gone()) state.emit(*this, state.take_pending(*this, chunk));
  }
  state.changed.wait(lock, [&] { return gone() || state.can_send(*this, pending_bytes); });
  if (gone()) return finish();
  auto update = state.take_pending(*this, pending_bytes);
  *update.mutable_result() = std::move(result);
  update.set_complete(true);
  spdlog::info("command {} ended: {}, rc {}{}", id,
               wire::CommandOutcome_Name(update.result().outcome()), update.result().rc(),
               update.result().failure_reason().empty()
                   ? ""
                   : " (" + update.result().failure_reason() + ")");
  state.emit(*this, std::move(update));
  finish();
}

// --- SlaveSession ------------------------------------------------------------------

SlaveSession::SlaveSession(SessionOptions options)
    : state_(std::make_shared<State>(std::move(options))) {}

SlaveSession::~SlaveSession() {
  stop("the slave is stopping");
}

void SlaveSession::start() {
  std::lock_guard lock(state_->mutex);
  if (state_->started) return;
  state_->started = true;
  if (state_->options.config.allow_shutdown == AllowShutdown::file) {
    std::error_code ec;
    auto time = fs::last_write_time(state_->options.basedir / "shutdown.stamp", ec);
    if (!ec) state_->stamp_time = time;
  }
  state_->connection_thread = std::thread([state = state_.get()] { state->connection_loop(); });
  state_->housekeeping_thread = std::thread([state = state_.get()] { state->housekeeping_loop(); });
}

void SlaveSession::stop(const std::string& why) {
  auto& state = *state_;
  std::vector<std::shared_ptr<CommandSlot>> slots;
  {
    std::lock_guard lock(state.mutex);
    if (!state.started || state.stopping) return;
    state.stopping = true;
    if (state.link != nullptr) state.link->close(why);
    for (auto& [id, slot] : state.commands) slots.push_back(slot);
    for (auto& slot : state.graveyard) slots.push_back(slot);
    for (auto& slot : state.dying) slots.push_back(slot);
    state.commands.clear();
    state.graveyard.clear();
    state.dying.clear();
    state.changed.notify_all();
  }
  if (!slots.empty()) spdlog::info("{}: interrupting {} commands", why, slots.size());
  if (state.connection_thread.joinable()) state.connection_thread.join();
  if (state.housekeeping_thread.joinable()) state.housekeeping_thread.join();
  for (auto& slot : slots) {
    std::shared_ptr<Command> command;
    {
      std::lock_guard lock(state.mutex);
      command = slot->command;
    }
    if (command) command->interrupt(why);
  }
  {
    std::lock_guard lock(state.mutex);
    for (auto& slot : state.graveyard) slots.push_back(slot);
    state.graveyard.clear();
  }
  for (auto& slot : slots) state.free_slot(slot);
}

void SlaveSession::request_shutdown(const std::string& why) {
  std::lock_guard lock(state_->mutex);
  if (state_->options.config.allow_shutdown == AllowShutdown::none) {
    spdlog::warn("a shutdown was requested ({}) but allow_shutdown is not set; ignored", why);
    return;
  }
  spdlog::info("asking the master for a graceful shutdown: {}", why);
  state_->request_shutdown_locked(why);
}

bool SlaveSession::finished() const {
  std::lock_guard lock(state_->mutex);
  return state_->finished;
}

}  // namespace eventbot::slave
