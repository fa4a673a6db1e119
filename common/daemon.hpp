#pragma once
// Running a program as a daemon, as `buildbot start` and `buildslave start` do: detach,
// send its output to a file in its directory, keep a pid file locked for its life, and
// tell the starting command whether start-up succeeded, so `start` returns only once
// the program runs (or says why not). The master (actors/master/daemon.hpp) and the
// slave agent (slave-agent/cli) each describe their files with a DaemonFiles.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace eventbot::daemon {

struct DaemonFiles {
  std::string program;             // for messages: "eventbot", "eventbot-slave"
  std::string what;                // "master", "slave"
  std::filesystem::path dir;       // the program's base directory
  std::filesystem::path pid_file;  // DIR/eventbot.pid, DIR/slave.pid
  std::filesystem::path log_file;  // the daemon's stdout and stderr go here
};

// What the running program calls once, when it is up (ok) or has failed.
using ReadyReporter = std::function<void(bool ok, const std::string& message)>;
// The program's main loop: calls `ready`, runs until stopped, returns the exit code.
using DaemonMain = std::function<int(const ReadyReporter& ready)>;

// The pid in the pid file if that process is alive and holds the file's lock (a stale
// pid file, left by a process that was killed, names no running daemon).
std::optional<int> running_pid(const DaemonFiles& files);

// Detaches and runs `main` in the background with its output in the log file; waits
// until it reports readiness. Prints the outcome; returns 0 if it started.
int start_daemon(const DaemonFiles& files, const DaemonMain& main);

// Runs `main` in this process (--foreground) with the pid file held; returns its code.
int run_foreground(const DaemonFiles& files, const DaemonMain& main);

// Sends SIGTERM and waits until the process is gone. Returns 0 once it is.
int stop_daemon(const DaemonFiles& files);

}  // namespace eventbot::daemon
