#pragma once
// Internal to eventbot_slave_commands: what the command families share. Path rules, the
// wire <-> runner conversions, a sink that forwards a CommandRunner's updates to a
// CommandOutput, and ThreadedCommand, the base of every command that is not a plain
// shell command (it runs a body on a thread of its own, with interrupt and download data).
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "events/wire.pb.h"
#include "slave-agent/command_runner.hpp"
#include "slave-agent/commands/command.hpp"

namespace eventbot::slave::commands {

// base / rel, where an absolute rel stands alone and an empty rel is base itself (as
// Buildbot's os.path.join).
std::filesystem::path resolve(const std::filesystem::path& base, const std::string& rel);

// The directory a command's relative paths are relative to: builder_dir / workdir.
std::filesystem::path workdir_path(const CommandContext& context, const std::string& workdir);

// wire env entries -> the runner's env values (Buildbot's string / list / None rules).
std::map<std::string, EnvValue> env_from_wire(
    const google::protobuf::RepeatedPtrField<wire::EnvEntry>& entries);

wire::OutputKind output_kind(Update::Kind kind);
wire::CommandOutcome outcome_from(Completion::Outcome outcome);
// The runner's completion as a CommandResult (outcome, rc, signal, elapsed, reason).
wire::CommandResult result_from(const Completion& completion);

// The shell-quoted form of an argv, for header lines ("git fetch -t 'a b' master").
std::string quote_argv(const std::vector<std::string>& argv);

// "0: none" seconds from the wire -> an optional duration.
std::optional<std::chrono::milliseconds> seconds_or_none(std::uint32_t seconds);

// A helper process the agent runs for a command (rm, chmod, cp, tar, git): an argv, in
// `workdir`, no timeouts unless set, no environment dump in the header.
ShellCommandSpec helper_spec(std::vector<std::string> argv, std::filesystem::path workdir);

// A helper process's completion as the command's result: exit 0 -> FINISHED; another exit
// code -> FAILED with "<what> failed with exit code N"; killed or not started -> the
// runner's outcome and reason.
wire::CommandResult process_result(const Completion& completion, const std::string& what);
bool succeeded(const Completion& completion);

std::string errno_text(int error);
// A timespec as "seconds.nanoseconds".
std::string seconds_text(const struct timespec& ts);

// Forwards a runner's updates to a CommandOutput. Optionally keeps a copy of stdout
// (collect_stdout) or hands stdout to on_stdout instead of forwarding it (uploads: the
// bytes of `tar` become FILE_DATA).
class ForwardingSink : public UpdateSink {
 public:
  explicit ForwardingSink(CommandOutput& output) : output_(output) {}

  bool collect_stdout = false;
  std::function<void(std::string)> on_stdout;

  void deliver(Update update) override;
  void complete(Completion completion) override;

  // Valid once the runner has completed.
  const Completion& completion() const { return completion_; }
  const std::string& collected_stdout() const { return collected_; }

 private:
  CommandOutput& output_;
  Completion completion_;
  std::string collected_;
};

// What a threaded command's body works with.
class Job {
 public:
  Job(CommandContext context, CommandOutput& output);

  const CommandContext& context() const { return context_; }
  CommandOutput& output() { return output_; }

  // A header line (the newline is added).
  void header(const std::string& line);
  void stdout_text(const std::string& text);
  void stderr_text(const std::string& text);
  void file_data(std::string bytes);

  bool interrupted() const;
  std::string interrupt_reason() const;  // "interrupted: <why>"

  // Runs one process through a CommandRunner (process group, timeouts, kill sequence),
  // forwarding its output through `sink`. If the job is or gets interrupted the process is
  // killed; if it was interrupted before, the process never starts and the completion is
  // `interrupted`. The spec's chunk_bytes / flush_interval come from the context.
  Completion run(ShellCommandSpec spec, ForwardingSink& sink);
  Completion run(ShellCommandSpec spec);
  // Kills the process run() is running now, without interrupting the job (max_size).
  void kill_current(const std::string& why);

  // Waits `duration` unless interrupted first; false if interrupted.
  bool sleep_for(std::chrono::milliseconds duration);

  // Download data. put_data is Command::data: it waits until the previous piece has been
  // taken and written (or the job has ended), then leaves this one. next_piece waits for a
  // piece; nullopt if the job was interrupted. piece_done says the taken piece is written.
  struct Piece {
    std::string bytes;
    bool eof = false;
  };
  void put_data(std::string bytes, bool eof);
  std::optional<Piece> next_piece();
  void piece_done();

  void interrupt(const std::string& why);
  // The body has ended: no more data is accepted, waiting put_data calls return.
  void end();

 private:
  CommandContext context_;
  CommandOutput& output_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<std::string> interrupt_why_;  // guarded by mutex_
  CommandRunner* current_ = nullptr;          // guarded by mutex_
  std::optional<Piece> piece_;                // guarded by mutex_
  bool writing_ = false;                      // guarded by mutex_
  bool ended_ = false;                        // guarded by mutex_
};

// A command whose body runs on a thread of its own. The body returns the result; the
// base adds elapsed_s and, if the job was interrupted and the body did not say so, turns a
// failure into INTERRUPTED. Destroying it interrupts the body and joins its thread.
class ThreadedCommand : public Command {
 public:
  using Body = std::function<wire::CommandResult(Job&)>;
  ThreadedCommand(const CommandContext& context, CommandOutput& output, Body body);
  ~ThreadedCommand() override;

  void start() override;
  void interrupt(const std::string& why) override;
  void data(std::string bytes, bool eof) override;

 private:
  Job job_;
  Body body_;
  std::mutex start_mutex_;
  bool started_ = false;  // guarded by start_mutex_
  std::thread thread_;
};

// Buildbot's rmdir: `rm -rf` each path; if that fails, `chmod -Rf u+rwx` and `rm -rf`
// again. FINISHED rc 0, or the first failure (the others are still attempted).
wire::CommandResult remove_trees(Job& job, const std::vector<std::filesystem::path>& paths);
// `cp -R -P -p -v FROM/. TO`: TO (created, with parents, if missing) gets FROM's contents.
wire::CommandResult copy_tree(Job& job, const std::filesystem::path& from,
                              const std::filesystem::path& to,
                              std::optional<std::chrono::milliseconds> timeout,
                              std::optional<std::chrono::milliseconds> max_time);

// Result helpers for bodies.
wire::CommandResult finished_result(int rc = 0);
wire::CommandResult failed_result(int rc, std::string reason);
wire::CommandResult interrupted_result(const Job& job);

// The factories of the command families (make_command dispatches to them). Each returns
// nullptr with `error` set for invalid arguments.
std::unique_ptr<Command> make_shell(const wire::ShellArgs& args, const CommandContext& context,
                                    CommandOutput& output, std::string& error);
std::unique_ptr<Command> make_file_command(const wire::StartCommand& start,
                                           const CommandContext& context, CommandOutput& output,
                                           std::string& error);
std::unique_ptr<Command> make_transfer_command(const wire::StartCommand& start,
                                               const CommandContext& context, CommandOutput& output,
                                               std::string& error);
std::unique_ptr<Command> make_git_checkout(const wire::GitCheckoutArgs& args,
                                           const CommandContext& context, CommandOutput& output,
                                           std::string& error);

}  // namespace eventbot::slave::commands
