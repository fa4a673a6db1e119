#pragma once
// DIR/slave.yaml: what `eventbot-slave create-slave` writes and `start` reads, the
// counterpart of Buildbot's buildbot.tac. It holds the slave's password in clear (the
// master needs proof of it on every connection), so it is written with mode 0600.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "common/expected.hpp"

namespace eventbot::slave {

enum class AllowShutdown { none, signal, file };

struct SlaveConfig {
  std::string master_host;
  unsigned short master_port = 9989;
  std::string name;
  std::string password;  // never logged
  // TLS to the master (its port has master.tls); `ca_file` is the PEM file of the
  // authority that signed the master's certificate, or the certificate itself when it
  // is self-signed; empty: the system's trust store. A relative path is relative to
  // the slave's directory. Setting ca_file implies tls.
  bool tls = false;
  std::string ca_file;
  unsigned keepalive_s = 600;     // ping interval until the master's settings say otherwise
  std::optional<unsigned> umask;  // applied at start; nullopt: leave the inherited one
  unsigned maxdelay_s = 300;      // reconnect back-off cap
  bool usepty = false;            // default use_pty for commands (deprecated in Buildbot)
  AllowShutdown allow_shutdown = AllowShutdown::none;
  std::uint64_t log_size = 10'000'000;  // rotate slave.log at this size
  unsigned log_count = 10;              // rotated logs kept
  // Not written by create-slave; for tests and impatient people.
  double retry_initial_s = 1.0;    // first reconnect delay
  unsigned resume_timeout_s = 60;  // a command the master neither resumes nor abandons
                                   // this long after a reconnect is interrupted
  double connect_timeout_s = 20;   // each step of connecting and the handshake
  // How long `start` waits for the master's first answer (welcome or refusal) before
  // it fails; 0: report started at once and retry refusals too (a master down at boot).
  double start_timeout_s = 30;
};

std::filesystem::path config_file(const std::filesystem::path& dir);     // DIR/slave.yaml
std::filesystem::path slave_pid_file(const std::filesystem::path& dir);  // DIR/slave.pid
std::filesystem::path slave_log_file(const std::filesystem::path& dir);  // DIR/slave.log

// Reads and checks DIR/slave.yaml; the error names the file and the bad key.
Expected<SlaveConfig, std::string> read_slave_config(const std::filesystem::path& dir);
// Writes DIR/slave.yaml with mode 0600 (replacing an existing one).
Expected<Ok, std::string> write_slave_config(const std::filesystem::path& dir,
                                             const SlaveConfig& config);

std::string allow_shutdown_name(AllowShutdown mode);  // "none", "signal", "file"
std::optional<AllowShutdown> parse_allow_shutdown(const std::string& text);
// "022" -> 022; nullopt for anything but 1 to 4 octal digits.
std::optional<unsigned> parse_umask(const std::string& text);

}  // namespace eventbot::slave
