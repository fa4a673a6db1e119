#pragma once
// One command the master asked this slave to run (wire.StartCommand): shell, the file
// and directory commands, and git checkout. The protocol session (slave-agent/session)
// starts it, hands it download data, interrupts it, and forwards what it reports.
//
// Threading: start() returns at once; the command runs on threads of its own and calls
// CommandOutput from them (one thread at a time, in order). output() may block: that is
// how a master that is behind slows the command down. complete() is called exactly once,
// last. interrupt() and data() may be called from any thread.
#include <filesystem>
#include <memory>
#include <string>

#include "events/wire.pb.h"
#include "events/wire_defaults.hpp"

namespace eventbot::slave {

class CommandOutput {
 public:
  virtual ~CommandOutput() = default;
  // stdout, stderr, header, a named log file's new content, or upload bytes (FILE_DATA).
  virtual void output(wire::OutputKind kind, const std::string& log_name, std::string data) = 0;
  virtual void complete(wire::CommandResult result) = 0;
};

// What a command needs to know about the slave it runs on.
struct CommandContext {
  std::filesystem::path basedir;      // the slave's base directory
  std::filesystem::path builder_dir;  // basedir / SlaveSettings.builder_dirs[builder]
  std::size_t chunk_bytes = wire_defaults::kChunkBytes;  // the session sets the master's
  unsigned flush_ms = wire_defaults::kFlushMs;
  bool use_pty_default = false;  // the agent's --use-pty
};

class Command {
 public:
  virtual ~Command() = default;  // interrupts a command still running and waits for it
  virtual void start() = 0;
  // Ends the command as soon as it can; it then completes with outcome INTERRUPTED.
  virtual void interrupt(const std::string& why) = 0;
  // Download data from the master, in order; eof on the last piece. Blocks while the
  // command has not written the previous pieces (bounded memory). Commands that take no
  // data ignore it.
  virtual void data(std::string bytes, bool eof) { (void)bytes, (void)eof; }
};

// The command for `start`, or nullptr with `error` set when the arguments are invalid
// (unknown command, a path escaping the builder directory where that is not allowed...).
std::unique_ptr<Command> make_command(const wire::StartCommand& start,
                                      const CommandContext& context, CommandOutput& output,
                                      std::string& error);

// The command names make_command knows, for SlaveInfo.commands.
std::vector<std::string> command_names();

}  // namespace eventbot::slave
