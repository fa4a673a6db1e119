#include "slave-agent/cli/run_agent.hpp"

#include <signal.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "slave-agent/cli/first_answer.hpp"
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
  const bool wait_for_master = config->start_timeout_s > 0;
  FirstAnswer first(FirstAnswer::Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(
                                                    config->start_timeout_s * 1000)));
  if (wait_for_master) {
    options.on_connect_attempt = [&first](const ConnectOutcome& outcome) {
      first.attempt(outcome);
    };
  }
  SlaveSession session(std::move(options));
  session.start();
  const std::string started =
      "eventbot-slave started in " + dir.string() + " (pid " + std::to_string(::getpid()) + ")";
  if (!wait_for_master) ready(true, started);
  const auto where = config->master_host + ":" + std::to_string(config->master_port);
  bool reported = !wait_for_master;

  std::string why = "stopped";
  int code = 0;
  for (;;) {
    // Until the master's first answer, `start` waits: a refusal or a master that never
    // answers ends the agent with the reason, instead of a silent "started".
    if (!reported) {
      if (auto answer = first.verdict(FirstAnswer::Clock::now())) {
        reported = true;
        using Kind = ConnectOutcome::Kind;
        if (answer->kind == Kind::connected) {
          ready(true, started + ", connected to the master '" + answer->message + "' at " + where);
        } else {
          why = answer->kind == Kind::refused
                    ? "the master at " + where + " refused slave '" + config->name +
                          "': " + answer->message + " (check name and password in " +
                          config_file(dir).string() + ")"
                    : "the master at " + where + " did not answer within " +
                          std::to_string(static_cast<int>(config->start_timeout_s)) +
                          " s (start_timeout in slave.yaml): " + answer->message;
          spdlog::error("{}", why);
          ready(false, why);
          code = 1;
          break;
        }
      }
    }
    timespec step{0, reported ? 200'000'000 : 50'000'000};
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
  if (code == 0) spdlog::info("{}", why);
  session.stop(why);
  spdlog::info("eventbot-slave stopped");
  if (!reported) ready(false, why);  // stopped by a signal before the master answered
  return code;
}

}  // namespace eventbot::slave
