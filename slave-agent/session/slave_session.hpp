#pragma once
// The slave's side of the protocol (docs/SLAVE-PROTOCOL.md): dial the master, say who
// we are (SlaveInfo), take its settings, run the commands it starts and send their
// output as windowed CommandUpdates, keep unacknowledged updates for a resume after a
// reconnect, and reconnect forever with back-off.
//
// Threads: the connection thread (connect, handshake, then the link's I/O: every frame
// from the master is handled there), the housekeeping thread (time-based flushes,
// resume deadlines, the shutdown stamp, freeing finished commands), each command's own
// threads (calling CommandOutput, which may block on the window), and one data thread
// per download command (Command::data may block). One mutex guards the command table.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "slave-agent/commands/command.hpp"
#include "slave-agent/session/slave_config.hpp"

namespace eventbot::slave {

using CommandFactory = std::function<std::unique_ptr<Command>(
    const wire::StartCommand&, const CommandContext&, CommandOutput&, std::string&)>;

// How one attempt to connect ended: welcomed, refused by the master (message: its
// reason), or no answer (message: what failed: refused TCP connection, timeout...).
struct ConnectOutcome {
  enum class Kind { connected, refused, unreachable };
  Kind kind = Kind::unreachable;
  std::string message;
};

struct SessionOptions {
  SlaveConfig config;
  std::filesystem::path basedir;
  CommandFactory make_command;
  std::vector<std::string> command_names;
  std::chrono::milliseconds connect_timeout{20'000};
  // Told after every attempt to connect, on the connection thread (`start` waits for
  // the first answer).
  std::function<void(const ConnectOutcome&)> on_connect_attempt;
};

// What the session uses until the master's SlaveSettings say otherwise (and where the
// master sends 0): the values the master sends (events/wire_defaults.hpp).
inline constexpr std::uint32_t kDefaultChunkBytes = wire_defaults::kChunkBytes;
inline constexpr std::uint32_t kDefaultFlushMs = wire_defaults::kFlushMs;
inline constexpr std::uint32_t kDefaultWindowBytes = wire_defaults::kWindowBytes;

class SlaveSession {
 public:
  explicit SlaveSession(SessionOptions options);
  ~SlaveSession();  // stop("the slave is stopping")

  void start();
  // Interrupts every command, closes the connection, joins every thread.
  void stop(const std::string& why);
  // allow_shutdown: ask the master for a graceful shutdown (ShutdownRequested), now if
  // connected, else as soon as the next connection is up.
  void request_shutdown(const std::string& why);
  // True once the master ordered a shutdown (allowed) and no command is left: the
  // agent should exit.
  bool finished() const;

  struct State;  // the command table and the threads (slave_session.cpp)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace eventbot::slave
