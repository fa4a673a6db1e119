#pragma once
// The agent process: logging to DIR/slave.log (rotated), umask, signals, the session.
#include <filesystem>

#include "common/daemon.hpp"

namespace eventbot::slave {

daemon::DaemonFiles slave_daemon_files(const std::filesystem::path& dir);

// Reads DIR/slave.yaml, reports readiness, runs the session until SIGTERM/SIGINT or a
// shutdown the master ordered; returns the exit code. SIGHUP asks the master for a
// graceful shutdown when allow_shutdown is "signal".
int run_agent(const std::filesystem::path& dir, const daemon::ReadyReporter& ready);

}  // namespace eventbot::slave
