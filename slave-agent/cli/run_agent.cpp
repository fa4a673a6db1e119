#include "slave-agent/cli/run_agent.hpp"

#include <signal.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "slave-agent/commands/command.hpp"
#include "slave-agent/session/slave_config.hpp"
#include "slave-agent/session/slave_info.hpp"
#include "slave-agent/session/slave_session.hpp"

namespace eventbot::slave {
namespace fs = std::filesystem;

daemon::DaemonFiles slave_daemon_files(const fs::path& dir) {
  return {"eventbot-slave", "slave", dir, slave_pid_file(dir), slave_log_file(dir)};
}

namespace {

void set_up_logging(const fs::path& dir, const SlaveConfig& config, bool to_stderr) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
      slave_log_file(dir).string(), static_cast<std::size_t>(config.log_size), config.log_count));
  if (to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto logger = std::make_shared<spdlog::logger>("slave", sinks.begin(), sinks.end());
  logger->flush_on(spdlog::level::trace);  // every line is on disk at once (tests read it)
  spdlog::set_default_logger(logger);
}

}  // namespace

int run_agent(const fs::path& dir, const daemon::ReadyReporter& ready) {
  auto config = read_slave_config(dir);
  if (!config) {
    ready(false, config.error());
    return 1;
  }
  if (config->umask) ::umask(static_cast<mode_t>(*config->umask));
  try {
    set_up_logging(dir, *config, ::isatty(2) != 0 || std::getenv("EVENTBOT_SLAVE_LOG_STDERR"));
  } catch (const spdlog::spdlog_ex& error) {
    ready(false, std::string("cannot open the log: ") + error.what());
    return 1;
  }

  // Signals are taken synchronously by this thread; every other thread (and so every
  // command, which resets its mask) inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  spdlog::info(
      "eventbot-slave {} starting in {} (pid {}): slave '{}', master {}:{}, keepalive "
      "{} s, maxdelay {} s, allow_shutdown {}",
      agent_version(), fs::absolute(dir).string(), ::getpid(), config->name, config->master_host,
      config->master_port, config->keepalive_s, config->maxdelay_s,
      allow_shutdown_name(config->allow_shutdown));

  SessionOptions options;
  options.config = *config;
  options.basedir = fs::absolute(dir).lexically_normal();
  options.connect_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(config->connect_timeout_s * 1000));
  options.make_command = [](const wire::StartCommand& start, const CommandContext& context,
                            CommandOutput& output, std::string& error) {
    return make_command(start, context, output, error);
  };
  options.command_names = command_names();
  SlaveSession session(std::move(options));
  session.start();
  ready(true,
        "eventbot-slave started in " + dir.string() + " (pid " + std::to_string(::getpid()) + ")");

  std::string why = "stopped";
  for (;;) {
    timespec step{0, 200'000'000};
    int signal = ::sigtimedwait(&signals, nullptr, &step);
    if (signal == SIGTERM || signal == SIGINT) {
      why = std::string("stopping on ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    if (signal == SIGHUP) {
      if (config->allow_shutdown == AllowShutdown::signal) {
        session.request_shutdown("SIGHUP");
      } else {
        spdlog::info("SIGHUP ignored: allow_shutdown is not 'signal'");
      }
    }
    if (session.finished()) {
      why = "shut down as the master asked";
      break;
    }
  }
  spdlog::info("{}", why);
  session.stop(why);
  spdlog::info("eventbot-slave stopped");
  return 0;
}

}  // namespace eventbot::slave
