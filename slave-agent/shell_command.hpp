#pragma once
// What the master asks a slave to run: Buildbot's `shell` command arguments
// (RemoteShellCommand / buildslave RunProcess), as plain data. The runner that executes
// it is in command_runner.hpp; the semantics are described in slave-agent/README.md.
#include <signal.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace eventbot::slave {

// An environment: name -> value, sorted by name.
using Environment = std::map<std::string, std::string>;

// One `env` entry of a command, with Buildbot's value rules:
//  - unset (std::nullopt): the variable is removed from the slave's environment;
//  - a string: replaces the slave's value; `${NAME}` in it expands to the slave's value of
//    NAME ("" if the slave has none);
//  - a list: its elements joined with ':' and then treated as a string (so
//    {"/opt/bin", "${PATH}"} prepends /opt/bin to the slave's PATH).
// PYTHONPATH (string or list) is always prepended to the slave's PYTHONPATH.
class EnvValue {
 public:
  struct Unset {
    bool operator==(const Unset&) const = default;
  };
  using Value = std::variant<Unset, std::string, std::vector<std::string>>;

  EnvValue(std::nullopt_t) : value_(Unset{}) {}
  EnvValue(std::string value) : value_(std::move(value)) {}
  EnvValue(const char* value) : value_(std::string(value)) {}
  EnvValue(std::vector<std::string> list) : value_(std::move(list)) {}

  bool is_unset() const { return std::holds_alternative<Unset>(value_); }
  const Value& value() const { return value_; }
  bool operator==(const EnvValue&) const = default;

 private:
  Value value_;
};

// A secondary log file, tailed while the command runs (Buildbot's `logfiles` entry).
struct LogfileSpec {
  LogfileSpec(std::filesystem::path p, bool f = false) : path(std::move(p)), follow(f) {}
  LogfileSpec(const char* p) : path(p) {}
  LogfileSpec(std::string p) : path(std::move(p)) {}

  std::filesystem::path path;  // relative to the workdir (or absolute)
  // false: once the file changes, send it from its beginning; true: send only what is
  // appended after the command starts.
  bool follow = false;
};

struct ShellCommandSpec {
  // argv (run directly, argv[0] searched in the command's PATH), or a string run with
  // `/bin/sh -c`.
  std::variant<std::vector<std::string>, std::string> command;
  // Where the command runs; created (with parents) if missing, as Buildbot does. Empty:
  // the runner's own current directory.
  std::filesystem::path workdir;
  std::map<std::string, EnvValue> env;
  bool want_stdout = true;                      // false: stdout is read and discarded
  bool want_stderr = true;                      // false: stderr is read and discarded
  std::map<std::string, LogfileSpec> logfiles;  // log name -> file
  // Run under a pseudo-terminal: stdin, stdout and stderr are the terminal, so stderr
  // arrives as stdout. Ignored (with a header warning) when initial_stdin is given.
  bool use_pty = false;
  // Written to the command's stdin, which is then closed. nullopt: stdin is /dev/null.
  std::optional<std::string> initial_stdin;
  // No output (stdout, stderr or a log file) for this long: the command is killed.
  // nullopt or zero: no limit (Buildbot's None / 0).
  std::optional<std::chrono::milliseconds> timeout = std::chrono::seconds(1200);
  // Running longer than this in total: the command is killed. nullopt or zero: no limit.
  std::optional<std::chrono::milliseconds> max_time;
  // The signal that kills the command's process group (Buildbot `interruptSignal`).
  int interrupt_signal = SIGKILL;
  // If set, killing first sends SIGTERM to the group and only sends interrupt_signal to
  // what is still alive this much later (Buildbot `sigtermTime`).
  std::optional<std::chrono::milliseconds> sigterm_time;
  // Describe the environment in the header (Buildbot `logEnviron`).
  bool log_environ = true;

  // Output batching: an update carries at most chunk_bytes; buffered output is handed to
  // the sink once chunk_bytes have gathered or flush_interval after its first byte.
  std::size_t chunk_bytes = 64 * 1024;
  std::chrono::milliseconds flush_interval{100};
  // How often log files are checked for new content.
  std::chrono::milliseconds logfile_poll_interval{1000};
  // Not Buildbot's: if the group still has live processes this long after
  // interrupt_signal was sent (a signal they ignore), it is sent SIGKILL; if SIGKILL
  // itself fails for this long (a process stuck in the kernel), the runner gives up.
  std::chrono::milliseconds kill_grace = std::chrono::seconds(5);
};

// The slave's environment plus the command's `env`, as the command will see it (before
// PWD is set to the workdir).
Environment build_environment(const Environment& slave_env,
                              const std::map<std::string, EnvValue>& env);

// This process's environment.
Environment current_environment();

// "KILL", "SIGKILL", "term", "9" -> the signal number; nullopt for an unknown name.
std::optional<int> signal_from_name(std::string_view name);

// True for names whose values the header must not show (PASSWORD, PASSWD, TOKEN, SECRET,
// CREDENTIAL anywhere in the name, any case).
bool is_secret_name(std::string_view name);

}  // namespace eventbot::slave
