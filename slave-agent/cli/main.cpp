// `eventbot-slave`: the slave agent's command line, after `buildslave`'s.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "actors/port/port_client.hpp"
#include "common/daemon.hpp"
#include "slave-agent/cli/create_slave.hpp"
#include "slave-agent/cli/run_agent.hpp"

namespace fs = std::filesystem;
using namespace eventbot;

namespace {

int start(const fs::path& dir, bool foreground) {
  if (!fs::exists(slave::config_file(dir))) {
    std::cerr << "eventbot-slave: " << slave::config_file(dir).string()
              << " does not exist; create the slave with create-slave first\n";
    return 1;
  }
  auto files = slave::slave_daemon_files(dir);
  auto main = [dir](const daemon::ReadyReporter& ready) { return slave::run_agent(dir, ready); };
  return foreground ? daemon::run_foreground(files, main) : daemon::start_daemon(files, main);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"eventbot-slave: the Eventbot slave agent (Buildbot's buildslave)"};
  app.require_subcommand(1);
  int code = 0;
  fs::path dir;

  slave::SlaveConfig config;
  std::string master, umask, allow_shutdown = "none";
  int usepty = 0;
  bool force = false;
  auto* create = app.add_subcommand("create-slave", "write a slave directory with slave.yaml");
  create->add_option("DIR", dir)->required();
  create->add_option("MASTER", master, "HOST:PORT of the master's slave port")->required();
  create->add_option("NAME", config.name, "the slave's name on the master")->required();
  create->add_option("PASSWORD", config.password, "the slave's password")->required();
  create->add_flag("--tls", config.tls,
                   "connect with TLS (the master's port has master.tls), verifying the "
                   "master's certificate against the system's trusted authorities");
  create
      ->add_option("--ca", config.ca_file,
                   "connect with TLS, trusting the authority (or self-signed certificate) "
                   "in this PEM file")
      ->check(CLI::ExistingFile);
  create->add_option("--keepalive", config.keepalive_s,
                     "seconds between pings to the master until it says otherwise (default 600)");
  create->add_option("--umask", umask, "umask of the agent and its commands, in octal (e.g. 022)");
  create->add_option("--maxdelay", config.maxdelay_s,
                     "most seconds between reconnection attempts (default 300)");
  create->add_option("--usepty", usepty, "1: run commands in a pty when the master does not say")
      ->check(CLI::Range(0, 1));
  create
      ->add_option("--allow-shutdown", allow_shutdown,
                   "signal: SIGHUP asks the master for a graceful shutdown; file: touching "
                   "DIR/shutdown.stamp does")
      ->check(CLI::IsMember({"none", "signal", "file"}));
  create->add_option("--log-size", config.log_size,
                     "rotate slave.log at this many bytes (10000000)");
  create->add_option("--log-count", config.log_count, "rotated logs to keep (10)");
  create->add_flag("-f,--force", force, "overwrite an existing slave.yaml");
  create->callback([&] {
    auto host_port = port::parse_host_port(master);
    if (!host_port) {
      std::cerr << "eventbot-slave: " << host_port.error() << "\n";
      code = 1;
      return;
    }
    config.master_host = host_port->first;
    config.master_port = host_port->second;
    if (!umask.empty()) {
      config.umask = slave::parse_umask(umask);
      if (!config.umask) {
        std::cerr << "eventbot-slave: --umask: expected octal digits like 022, got '" << umask
                  << "'\n";
        code = 1;
        return;
      }
    }
    config.usepty = usepty != 0;
    if (!config.ca_file.empty()) config.ca_file = fs::absolute(config.ca_file).string();
    config.allow_shutdown = *slave::parse_allow_shutdown(allow_shutdown);
    if (config.maxdelay_s == 0 || config.log_size == 0) {
      std::cerr << "eventbot-slave: --maxdelay and --log-size must be positive\n";
      code = 1;
      return;
    }
    code = slave::create_slave(dir, config, force);
  });

  bool foreground = false;
  auto* start_cmd = app.add_subcommand("start", "start the slave in DIR");
  start_cmd->add_option("DIR", dir)->required();
  start_cmd->add_flag("--foreground", foreground,
                      "stay in the foreground (tests, service managers)");
  start_cmd->callback([&] { code = start(dir, foreground); });

  auto* stop = app.add_subcommand("stop", "stop the slave in DIR and wait until it is gone");
  stop->add_option("DIR", dir)->required();
  stop->callback([&] { code = daemon::stop_daemon(slave::slave_daemon_files(dir)); });

  auto* restart = app.add_subcommand("restart", "stop, then start the slave in DIR");
  restart->add_option("DIR", dir)->required();
  restart->callback([&] {
    auto files = slave::slave_daemon_files(dir);
    if (daemon::running_pid(files)) code = daemon::stop_daemon(files);
    if (code == 0) code = start(dir, false);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return code;
}
