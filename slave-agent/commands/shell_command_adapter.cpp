// The `shell` command: ShellArgs -> ShellCommandSpec, run by a CommandRunner whose updates
// and completion go straight to the CommandOutput (no thread of our own).
#include "slave-agent/commands/command_support.hpp"

namespace eventbot::slave::commands {
namespace {

class ShellCommand final : public Command {
 public:
  ShellCommand(ShellCommandSpec spec, CommandOutput& output)
      : sink_(output), runner_(std::move(spec), sink_) {}

  void start() override { runner_.start(); }
  void interrupt(const std::string& why) override { runner_.interrupt(why); }

 private:
  struct Sink : UpdateSink {
    explicit Sink(CommandOutput& o) : output(o) {}
    void deliver(Update update) override {
      output.output(output_kind(update.kind), update.log_name, std::move(update.data));
    }
    void complete(Completion completion) override { output.complete(result_from(completion)); }
    CommandOutput& output;
  };

  Sink sink_;  // declared first: the runner (destroyed first) reports to it
  CommandRunner runner_;
};

}  // namespace

std::unique_ptr<Command> make_shell(const wire::ShellArgs& args, const CommandContext& context,
                                    CommandOutput& output, std::string& error) {
  ShellCommandSpec spec;
  if (args.argv_size() > 0) {
    spec.command = std::vector<std::string>(args.argv().begin(), args.argv().end());
  } else if (!args.shell().empty()) {
    spec.command = args.shell();
  } else {
    error = "shell: neither argv nor a shell string given";
    return nullptr;
  }
  spec.workdir = workdir_path(context, args.workdir());
  spec.env = env_from_wire(args.env());
  spec.want_stdout = args.want_stdout();
  spec.want_stderr = args.want_stderr();
  for (const auto& [name, file] : args.logfiles()) {
    bool follow = false;
    for (const auto& followed : args.follow_logfiles()) follow = follow || followed == name;
    spec.logfiles.emplace(name, LogfileSpec(std::filesystem::path(file), follow));
  }
  for (const auto& followed : args.follow_logfiles()) {
    if (!args.logfiles().contains(followed)) {
      error = "shell: follow_logfiles names '" + followed + "', which is not in logfiles";
      return nullptr;
    }
  }
  if (args.has_stdin()) spec.initial_stdin = args.initial_stdin();
  // The master's explicit use_pty wins; the agent's --use-pty default applies only to
  // commands that give no stdin (RunProcess would drop the pty for those anyway, with a
  // warning about a pty the master never asked for).
  spec.use_pty = args.use_pty() || (context.use_pty_default && !args.has_stdin());
  spec.timeout = seconds_or_none(args.timeout_s());
  spec.max_time = seconds_or_none(args.max_time_s());
  if (!args.interrupt_signal().empty()) {
    auto signal = signal_from_name(args.interrupt_signal());
    if (!signal) {
      error = "shell: unknown interrupt_signal '" + args.interrupt_signal() + "'";
      return nullptr;
    }
    spec.interrupt_signal = *signal;
  }
  spec.sigterm_time = seconds_or_none(args.sigterm_time_s());
  spec.log_environ = args.log_environ();
  spec.chunk_bytes = context.chunk_bytes;
  spec.flush_interval = std::chrono::milliseconds(context.flush_ms);
  return std::make_unique<ShellCommand>(std::move(spec), output);
}

}  // namespace eventbot::slave::commands
