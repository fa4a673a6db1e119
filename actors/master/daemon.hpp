#pragma once
// Running the master as a daemon, as `buildbot start` does: detach, log to a file in the
// master's directory, keep a pid file, and tell the starting command whether start-up
// succeeded, so it returns only once the master accepts connections (or says why not).
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace eventbot::master {

// What the running master calls once, when it accepts connections (ok) or has failed.
using ReadyReporter = std::function<void(bool ok, const std::string& message)>;
// The master's main loop: calls `ready`, runs until stopped, returns the exit code.
using MasterMain = std::function<int(const ReadyReporter& ready)>;

std::filesystem::path pid_file(const std::filesystem::path& dir);
std::filesystem::path log_file(const std::filesystem::path& dir);

// The pid in DIR's pid file if that process is alive and holds the file's lock (a
// stale pid file, left by a master that was killed, names no running master).
std::optional<int> running_pid(const std::filesystem::path& dir);

// Detaches and runs `main` in the background with its output in DIR's log file; waits
// until it reports readiness. Prints the outcome; returns 0 if it started.
int start_daemon(const std::filesystem::path& dir, const MasterMain& main);

// Runs `main` in this process (--foreground) with the pid file held; returns its code.
int run_foreground(const std::filesystem::path& dir, const MasterMain& main);

// Sends SIGTERM and waits until the process is gone. Returns 0 once it is.
int stop_daemon(const std::filesystem::path& dir);

// Sends SIGHUP and waits for the master's log line saying how the reconfig went.
int reconfig_daemon(const std::filesystem::path& dir);

// The log lines the master writes after a reconfig (read by reconfig_daemon).
inline constexpr char kReconfigOk[] = "reconfig: configuration loaded";
inline constexpr char kReconfigFailed[] = "reconfig: configuration rejected";

}  // namespace eventbot::master
