#include "slave-agent/commands/command_support.hpp"

#include <cstdio>
#include <ctime>
#include <exception>
#include <system_error>

namespace eventbot::slave::commands {

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& rel) {
  if (rel.empty()) return base;
  std::filesystem::path p(rel);
  if (p.is_absolute()) return p.lexically_normal();
  return (base / p).lexically_normal();
}

std::filesystem::path workdir_path(const CommandContext& context, const std::string& workdir) {
  return resolve(context.builder_dir, workdir);
}

std::map<std::string, EnvValue> env_from_wire(
    const google::protobuf::RepeatedPtrField<wire::EnvEntry>& entries) {
  std::map<std::string, EnvValue> env;
  for (const auto& entry : entries) {
    if (entry.unset()) {
      env.insert_or_assign(entry.name(), EnvValue(std::nullopt));
    } else if (entry.is_list() || entry.values_size() > 1) {
      env.insert_or_assign(entry.name(), EnvValue(std::vector<std::string>(entry.values().begin(),
                                                                           entry.values().end())));
    } else {
      env.insert_or_assign(entry.name(),
                           EnvValue(entry.values_size() == 1 ? entry.values(0) : std::string()));
    }
  }
  return env;
}

wire::OutputKind output_kind(Update::Kind kind) {
  switch (kind) {
    case Update::Kind::header:
      return wire::HEADER;
    case Update::Kind::stdout_data:
      return wire::STDOUT;
    case Update::Kind::stderr_data:
      return wire::STDERR;
    case Update::Kind::logfile_data:
      return wire::LOGFILE;
  }
  return wire::HEADER;
}

wire::CommandOutcome outcome_from(Completion::Outcome outcome) {
  switch (outcome) {
    case Completion::Outcome::finished:
      return wire::FINISHED;
    case Completion::Outcome::timeout:
      return wire::TIMEOUT;
    case Completion::Outcome::max_time:
      return wire::MAX_TIME;
    case Completion::Outcome::interrupted:
      return wire::INTERRUPTED;
    case Completion::Outcome::cannot_start:
      return wire::CANNOT_START;
  }
  return wire::FAILED;
}

wire::CommandResult result_from(const Completion& completion) {
  wire::CommandResult result;
  result.set_outcome(outcome_from(completion.outcome));
  result.set_rc(completion.rc);
  result.set_signal(completion.signal.value_or(0));
  result.set_elapsed_s(completion.elapsed_seconds);
  result.set_failure_reason(completion.failure_reason);
  return result;
}

std::string quote_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !arg.empty() && arg.find_first_not_of(
                                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789@%_-+=:,./") == std::string::npos;
    if (plain) {
      out += arg;
      continue;
    }
    out += '\'';
    for (char c : arg) {
      if (c == '\'') {
        out += "'\"'\"'";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

std::optional<std::chrono::milliseconds> seconds_or_none(std::uint32_t seconds) {
  if (seconds == 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

ShellCommandSpec helper_spec(std::vector<std::string> argv, std::filesystem::path workdir) {
  ShellCommandSpec spec;
  spec.command = std::move(argv);
  spec.workdir = std::move(workdir);
  spec.timeout = std::nullopt;
  spec.max_time = std::nullopt;
  spec.log_environ = false;
  return spec;
}

bool succeeded(const Completion& completion) {
  return completion.outcome == Completion::Outcome::finished && completion.rc == 0;
}

wire::CommandResult process_result(const Completion& completion, const std::string& what) {
  if (completion.outcome != Completion::Outcome::finished) return result_from(completion);
  wire::CommandResult result = result_from(completion);
  if (completion.rc != 0) {
    result.set_outcome(wire::FAILED);
    result.set_failure_reason(what + " failed with exit code " + std::to_string(completion.rc));
  }
  return result;
}

std::string errno_text(int error) {
  return std::generic_category().message(error);
}

std::string seconds_text(const struct timespec& ts) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%lld.%09ld", static_cast<long long>(ts.tv_sec),
                static_cast<long>(ts.tv_nsec));
  return buffer;
}

// --- ForwardingSink ---------------------------------------------------------------------

void ForwardingSink::deliver(Update update) {
  if (update.kind == Update::Kind::stdout_data) {
    if (collect_stdout) collected_ += update.data;
    if (on_stdout) {
      on_stdout(std::move(update.data));
      return;
    }
  }
  output_.output(output_kind(update.kind), update.log_name, std::move(update.data));
}

void ForwardingSink::complete(Completion completion) {
  completion_ = std::move(completion);
}

// --- Job --------------------------------------------------------------------------------

Job::Job(CommandContext context, CommandOutput& output)
    : context_(std::move(context)), output_(output) {}

void Job::header(const std::string& line) {
  output_.output(wire::HEADER, "", line + "\n");
}
void Job::stdout_text(const std::string& text) {
  output_.output(wire::STDOUT, "", text);
}
void Job::stderr_text(const std::string& text) {
  output_.output(wire::STDERR, "", text);
}
void Job::file_data(std::string bytes) {
  output_.output(wire::FILE_DATA, "", std::move(bytes));
}

bool Job::interrupted() const {
  std::lock_guard lock(mutex_);
  return interrupt_why_.has_value();
}

std::string Job::interrupt_reason() const {
  std::lock_guard lock(mutex_);
  return "interrupted: " + interrupt_why_.value_or("");
}

Completion Job::run(ShellCommandSpec spec) {
  ForwardingSink sink(output_);
  return run(std::move(spec), sink);
}

Completion Job::run(ShellCommandSpec spec, ForwardingSink& sink) {
  spec.chunk_bytes = context_.chunk_bytes;
  spec.flush_interval = std::chrono::milliseconds(context_.flush_ms);
  CommandRunner runner(std::move(spec), sink);
  {
    std::lock_guard lock(mutex_);
    if (interrupt_why_) {
      Completion completion;
      completion.outcome = Completion::Outcome::interrupted;
      completion.rc = -1;
      completion.failure_reason = "interrupted: " + *interrupt_why_;
      return completion;
    }
    current_ = &runner;
  }
  runner.start();
  runner.wait();
  {
    std::lock_guard lock(mutex_);
    current_ = nullptr;
  }
  return sink.completion();
}

void Job::kill_current(const std::string& why) {
  std::lock_guard lock(mutex_);
  if (current_ != nullptr) current_->interrupt(why);
}

bool Job::sleep_for(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, duration, [this] { return interrupt_why_.has_value(); });
}

void Job::put_data(std::string bytes, bool eof) {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return ended_ || interrupt_why_ || (!piece_ && !writing_); });
  if (ended_ || interrupt_why_) return;
  piece_ = Piece{std::move(bytes), eof};
  cv_.notify_all();
}

std::optional<Job::Piece> Job::next_piece() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return piece_.has_value() || interrupt_why_.has_value(); });
  if (interrupt_why_) return std::nullopt;
  Piece piece = std::move(*piece_);
  piece_.reset();
  writing_ = true;
  return piece;
}

void Job::piece_done() {
  {
    std::lock_guard lock(mutex_);
    writing_ = false;
  }
  cv_.notify_all();
}

void Job::interrupt(const std::string& why) {
  {
    std::lock_guard lock(mutex_);
    if (ended_ || interrupt_why_) return;
    interrupt_why_ = why;
    if (current_ != nullptr) current_->interrupt(why);
  }
  cv_.notify_all();
}

void Job::end() {
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    piece_.reset();
    writing_ = false;
  }
  cv_.notify_all();
}

// --- ThreadedCommand ----------------------------------------------------------------------

ThreadedCommand::ThreadedCommand(const CommandContext& context, CommandOutput& output, Body body)
    : job_(context, output), body_(std::move(body)) {}

ThreadedCommand::~ThreadedCommand() {
  job_.interrupt("command destroyed");
  if (thread_.joinable()) thread_.join();
}

void ThreadedCommand::start() {
  {
    std::lock_guard lock(start_mutex_);
    if (started_) return;
    started_ = true;
  }
  thread_ = std::thread([this] {
    auto begin = std::chrono::steady_clock::now();
    wire::CommandResult result;
    if (job_.interrupted()) {
      result = interrupted_result(job_);
    } else {
      try {
        result = body_(job_);
      } catch (const std::exception& e) {
        job_.header(std::string("internal error: ") + e.what());
        result = failed_result(-1, std::string("internal error: ") + e.what());
      }
    }
    bool succeeded = result.outcome() == wire::FINISHED && result.rc() == 0;
    if (job_.interrupted() && !succeeded && result.outcome() != wire::INTERRUPTED) {
      int rc = result.rc() == 0 ? -1 : result.rc();
      result.set_outcome(wire::INTERRUPTED);
      result.set_rc(rc);
      result.set_failure_reason(job_.interrupt_reason());
    }
    job_.end();
    result.set_elapsed_s(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
    job_.output().complete(std::move(result));
  });
}

void ThreadedCommand::interrupt(const std::string& why) {
  job_.interrupt(why);
}

void ThreadedCommand::data(std::string bytes, bool eof) {
  job_.put_data(std::move(bytes), eof);
}

// --- results ----------------------------------------------------------------------------

wire::CommandResult finished_result(int rc) {
  wire::CommandResult result;
  result.set_outcome(wire::FINISHED);
  result.set_rc(rc);
  return result;
}

wire::CommandResult failed_result(int rc, std::string reason) {
  wire::CommandResult result;
  result.set_outcome(wire::FAILED);
  result.set_rc(rc);
  result.set_failure_reason(std::move(reason));
  return result;
}

wire::CommandResult interrupted_result(const Job& job) {
  wire::CommandResult result;
  result.set_outcome(wire::INTERRUPTED);
  result.set_rc(-1);
  result.set_failure_reason(job.interrupt_reason());
  return result;
}

}  // namespace eventbot::slave::commands
