#include "actors/master/master.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <caf/all.hpp>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

#include "actors/changes/change_intake.hpp"
#include "actors/config/checkconfig.hpp"
#include "actors/config/config_loader.hpp"
#include "actors/config/passwords.hpp"
#include "actors/config/port_tls.hpp"
#include "actors/config/status_warnings.hpp"
#include "actors/master/config_record.hpp"
#include "actors/master/daemon.hpp"
#include "actors/master/supervisor.hpp"
#include "actors/master/user_commands.hpp"
#include "actors/messages/defaults.hpp"
#include "actors/messages/errors.hpp"
#include "actors/port/port_server.hpp"
#include "actors/slaves/slave_hub.hpp"
#include "events/streams.hpp"
#include "gateway/gateway.hpp"

namespace eventbot::master {
namespace fs = std::filesystem;

namespace {

constexpr char kVersion[] = "0.1.0";

// The text of master.yaml, read as checkconfig reads it (a bounded read of a regular
// file); nothing, after logging why, when it cannot be read.
std::optional<std::string> read_config(const fs::path& path, std::string& error) {
  auto text = config::read_config_text(path);
  if (!text) {
    error = config::format_error(text.error()) + "\n";
    return std::nullopt;
  }
  if (auto warning = config::secrets_file_warning(path, *text)) spdlog::warn("{}", *warning);
  return std::move(*text);
}

std::string format_errors(const std::vector<config::ConfigError>& errors) {
  std::string out;
  for (const auto& error : errors) out += config::format_error(error) + "\n";
  return out;
}

std::shared_ptr<const port::Accounts> accounts_of(const config::MasterConfig& config) {
  auto accounts = std::make_shared<port::Accounts>();
  for (const auto& slave : config.slaves) {
    accounts->slaves.emplace(slave.name,
                             auth::make_account(slave.name, slave.password, slave.password_hash));
  }
  for (const auto& user : config.web.users) {
    // An argon2id hash is for the web pages: the port uses port_password_hash then.
    const auto& hash =
        user.port_password_hash.empty() ? user.password_hash : user.port_password_hash;
    accounts->users.emplace(user.name, auth::make_account(user.name, user.password, hash));
  }
  // Anonymous user commands, for the actions web.authz opens to anyone (UserCommands
  // checks each command).
  accounts->anonymous_users = std::any_of(
      config.web.authz.begin(), config.web.authz.end(),
      [](const auto& rule) { return rule.second.who == config::AccessRule::Who::anyone; });
  for (const auto& source : config.change_sources) {
    if (source.type != config::ChangeSourceType::sendchange) continue;
    accounts->change_senders.emplace(
        source.user, auth::make_account(source.user, source.password, source.password_hash));
  }
  return accounts;
}

// The passwords kept in files or the environment, with the warnings in master.log;
// what is wrong (no secret in it), if anything.
std::optional<std::string> read_passwords(const fs::path& dir, config::MasterConfig& config) {
  auto warnings = config::resolve_passwords(dir, config);
  if (!warnings) return warnings.error();
  for (const auto& warning : config::password_warnings(config)) warnings->push_back(warning);
  for (const auto& warning : config::status_target_warnings(config)) warnings->push_back(warning);
  for (const auto& warning : *warnings) spdlog::warn("master.yaml: {}", warning);
  return std::nullopt;
}

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

// The content hash of the last ConfigLoaded in the log, "" if there is none.
std::string last_config_hash(store::EventLog& log) {
  auto version = log.stream_version(streams::config());
  if (!version || version->value() == 0) return {};
  auto last = log.read_stream(streams::config(), *version, 1);
  if (!last || last->empty() || !last->front().has_config_loaded()) return {};
  return last->front().config_loaded().content_sha256();
}

// MasterOptions::use_snapshots, unless the environment turns them off.
bool snapshots_on(const MasterOptions& options) {
  const char* env = std::getenv(kSnapshotsEnv);
  return options.use_snapshots && !(env && std::string(env) == "0");
}

}  // namespace

struct Master::Impl {
  fs::path dir;
  config::MasterConfig config;
  schedulers::SystemClock system_clock;
  const schedulers::Clock* clock = nullptr;
  std::unique_ptr<store::RocksEventLog> log;
  std::unique_ptr<store::EventLog> wrapped_log;  // MasterOptions::wrap_log's, if any
  IdAllocator ids;
  std::unique_ptr<caf::actor_system_config> actor_config;
  std::unique_ptr<caf::actor_system> system;
  caf::actor supervisor;
  // What the port's I/O thread hands over (appends, user commands): see actors/port/README.md.
  std::unique_ptr<port::HandOver> hand_over;
  std::unique_ptr<store::Subscription> subscription;
  std::shared_ptr<changes::ChangeIntake> intake;
  std::shared_ptr<UserCommands> users;
  std::shared_ptr<slaves::SlaveHub> hub;
  std::unique_ptr<port::PortServer> port;
  std::unique_ptr<gateway::Gateway> web;  // null without a `web` section

  void append_master_event(events::Envelope event) {
    event.set_stream(streams::master(config.master_id));
    event.set_master_id(config.master_id);
    store::AppendRequest request;
    request.events.push_back(std::move(event));
    if (auto appended = log->append(std::move(request)); !appended) {
      spdlog::error("recording a master event failed: {}", appended.error().message);
    }
  }

  // Appends ConfigLoaded when the file differs from the last one recorded.
  void record_config(const std::string& text) {
    auto loaded = config_loaded((dir / "master.yaml").string(), text);
    if (loaded.content_sha256() == last_config_hash(*log)) return;
    events::Envelope event;
    event.set_stream(streams::config());
    event.set_master_id(config.master_id);
    *event.mutable_config_loaded() = std::move(loaded);
    store::AppendRequest request;
    request.events.push_back(std::move(event));
    if (auto appended = log->append(std::move(request)); !appended) {
      spdlog::error("recording the configuration failed: {}", appended.error().message);
    }
  }

  void shutdown() {
    if (subscription) subscription->cancel();
    subscription.reset();
    if (web) web->stop();
    web.reset();
    // The actors go first: the slave actors close their connections through the port,
    // whose I/O thread must still run then (and release the last of them).
    if (system) {
      caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
      supervisor = caf::actor();
      system->await_all_actors_done();
    }
    // What was handed over still runs (its answers go to connections the port still
    // has); then the port stops, with the last references to its connections.
    if (hand_over) hand_over->stop();
    if (port) port->stop();
    port.reset();
    system.reset();
    wrapped_log.reset();
    if (log) {
      events::Envelope stopped;
      stopped.mutable_master_stopped()->set_master_id(config.master_id);
      stopped.mutable_master_stopped()->set_reason("stopped");
      append_master_event(std::move(stopped));
      log.reset();
    }
  }
};

Master::Master(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Master::~Master() {
  impl_->shutdown();
}

Expected<std::unique_ptr<Master>, std::string> Master::start(const MasterOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = options.dir;
  impl->clock = options.clock ? options.clock : &impl->system_clock;

  const auto config_path = options.dir / "master.yaml";
  if (!fs::exists(config_path)) {
    return unexpected(config_path.string() + " does not exist (eventbot create-master " +
                      options.dir.string() + " writes one)");
  }
  std::string unreadable;
  const auto text = read_config(config_path, unreadable);
  if (!text) return unexpected("the configuration cannot be read:\n" + unreadable);
  auto loaded = config::load_config_string(*text, config_path.string());
  if (!loaded) return unexpected("the configuration has errors:\n" + format_errors(loaded.error()));
  if (auto problem = read_passwords(options.dir, *loaded)) return unexpected(*problem);
  impl->config = std::move(*loaded);
  if (options.slave_port) impl->config.slave_port = *options.slave_port;
  if (options.web_port) impl->config.web.port = *options.web_port;

  store::RocksOptions store_options;
  store_options.dir = options.dir / "events";
  store_options.durability =
      store::parse_durability(impl->config.durability).value_or(store::Durability::group_commit);
  // A failed write (a full disk) stops the master: RocksDB's log writer is not to be used
  // after it, and everything acknowledged is durable. Started again once there is room,
  // the master takes its running builds back, as after a crash (docs/MASTER.md).
  store_options.on_write_failure = [on_fatal = options.on_fatal](const std::string& reason) {
    const std::string said = "the event log could not be written (" + reason +
                             "); the master stops. Free the disk (or fix the I/O error) and "
                             "start it again: running builds are taken back, nothing "
                             "acknowledged is lost";
    spdlog::critical("{}", said);
    if (on_fatal) on_fatal(said);
  };
  auto log = store::RocksEventLog::open(store_options);
  if (!log) return unexpected("the event log: " + log.error().message);
  impl->log = std::move(*log);

  events::Envelope started;
  auto* body = started.mutable_master_started();
  body->set_master_id(impl->config.master_id);
  body->set_hostname(host_name());
  body->set_pid(static_cast<std::uint32_t>(::getpid()));
  body->set_version(kVersion);
  impl->append_master_event(std::move(started));
  impl->record_config(*text);

  // The actors: fold the log into every scheduler, then hand them what comes next.
  impl->actor_config = std::make_unique<caf::actor_system_config>();
  impl->actor_config->set("scheduler.max-threads", 2);
  // CAF's default work stealing has idle workers poll for jobs (spinning, then 50 us
  // sleeps) after every message: with hundreds of idle slaves, each heartbeat a message,
  // the master spent a fifth of a core polling. Work sharing waits on a condition
  // variable instead. EVENTBOT_CAF_POLICY=stealing brings the default back (benchmarks).
  const char* policy = std::getenv("EVENTBOT_CAF_POLICY");
  const bool stealing = policy != nullptr && std::string_view(policy) == "stealing";
  impl->actor_config->set("scheduler.policy",
                          stealing ? caf::atom("stealing") : caf::atom("sharing"));
  register_errors(*impl->actor_config);
  impl->system = std::make_unique<caf::actor_system>(*impl->actor_config);
  if (options.wrap_log) impl->wrapped_log = options.wrap_log(*impl->log);
  store::EventLog& writes = impl->wrapped_log ? *impl->wrapped_log : *impl->log;
  SchedulerContext context;
  context.log = &writes;
  context.clock = impl->clock;
  context.ids = &impl->ids;
  context.master_id = impl->config.master_id;
  context.master_dir = impl->dir;
  impl->hand_over = std::make_unique<port::HandOver>();
  impl->intake =
      std::make_shared<changes::ChangeIntake>(writes, impl->config.master_id, *impl->hand_over);
  impl->intake->configure(impl->config.validation);
  impl->users = std::make_shared<UserCommands>(writes, impl->config.master_id, *impl->system,
                                               *impl->hand_over);
  impl->hub = std::make_shared<slaves::SlaveHub>(
      writes, impl->config.master_id, *impl->hand_over,
      slaves::SlaveHub::Handlers{{wire::CHANGE_SENDER, impl->intake}, {wire::USER, impl->users}});
  context.hub = impl->hub.get();
  context.slave_timings.heartbeat = std::chrono::seconds(impl->config.heartbeat_interval);
  context.slave_timings.dead_after = std::chrono::seconds(impl->config.dead_after);
  context.slave_timings.grace = std::chrono::seconds(impl->config.reattach_grace);
  if (options.slave_timings) context.slave_timings = *options.slave_timings;
  if (snapshots_on(options)) context.snapshots = impl->log.get();
  context.snapshot_every = std::max<std::uint64_t>(1, options.snapshot_every);
  impl->supervisor = impl->system->spawn(
      supervisor_actor, context, std::make_shared<const config::MasterConfig>(impl->config));
  const auto folded = impl->log->head();
  std::optional<std::string> init_failed = "no answer from the supervisor";
  {
    caf::scoped_actor self{*impl->system};
    self->request(impl->supervisor, defaults::kInitTimeout, init_atom::value, folded.value())
        .receive([&]() { init_failed.reset(); },
                 [&](caf::error& error) { init_failed = eventbot::describe(error); });
  }
  std::unique_ptr<Master> master(new Master(std::move(impl)));
  auto& m = *master->impl_;
  if (init_failed) return unexpected("starting the schedulers: " + *init_failed);

  // The web gateway folds the log up to the same point, then listens.
  if (m.config.web.enabled) {
    gateway::GatewayOptions web_options;
    web_options.bind = m.config.web.bind;
    web_options.port = static_cast<unsigned short>(m.config.web.port);
    web_options.token_file = m.dir / gateway::auth::kTokenFileName;
    web_options.store_dir = m.dir / "events";
    web_options.authorised = &authorised;
    // An action runs as the port's user commands do: on the hand-over, off the I/O thread.
    web_options.run_command = [hand_over = m.hand_over.get(), users = m.users](
                                  const std::string& user, const wire::UserCommand& command,
                                  gateway::actions::CommandAnswer answer) {
      auto shared = std::make_shared<const wire::UserCommand>(command);
      const bool handed = hand_over->post([users, user, shared, answer] {
        if (auto now = users->run(user, *shared, UserCommands::ForceAnswer(answer))) {
          answer(std::move(*now), {});
        }
      });
      if (!handed) {
        wire::UserCommandResult busy;
        busy.set_message("the master is busy; try again later");
        answer(std::move(busy), {});
      }
    };
    if (snapshots_on(options)) web_options.snapshots = m.log.get();
    web_options.snapshot_every = context.snapshot_every;
    auto web = gateway::Gateway::start(web_options, *m.log, folded.value(), m.config);
    if (!web) return unexpected(web.error());
    m.web = std::move(*web);
  }

  // The supervisor folded up to `folded`: the subscription hands it everything after
  // (and the gateway, after the supervisor has its batch).
  caf::actor supervisor = m.supervisor;
  store::SubscriberCallbacks callbacks;
  callbacks.on_events = [supervisor, web = m.web.get()](std::vector<events::Envelope>&& batch) {
    auto shared = std::make_shared<const std::vector<events::Envelope>>(std::move(batch));
    caf::anon_send(supervisor, events_atom::value, shared);
    if (web) web->on_events(*shared);
  };
  callbacks.on_error = [on_fatal = options.on_fatal, supervisor](const store::StoreError& error) {
    const std::string reason = "the event log cannot be read any further: " + error.message +
                               "; the master stops rather than act on a state that misses "
                               "events (eventbot-replay DIR list --from " +
                               std::to_string(error.sequence) + " shows where)";
    spdlog::critical("{}", reason);
    // Deaf from here on: the actors stop now, whoever runs this master (with no on_fatal
    // too), as at a stop: running builds stay running in the log, taken back at start.
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    if (on_fatal) on_fatal(reason);
  };
  m.subscription = m.log->subscribe(folded.next(), std::move(callbacks));

  port::PortOptions port_options;
  port_options.bind = m.config.slave_bind;
  port_options.port = static_cast<unsigned short>(m.config.slave_port);
  port_options.master_id = m.config.master_id;
  port_options.limits = m.config.port_limits;
  auto tls = config::load_port_tls(m.dir, m.config);
  if (!tls) return unexpected(tls.error());
  port_options.tls = std::move(*tls);
  auto port = port::PortServer::start(port_options, accounts_of(m.config), m.hub);
  if (!port) return unexpected(port.error());
  m.port = std::move(*port);
  m.users->configure(std::make_shared<const config::MasterConfig>(m.config), m.supervisor);
  return master;
}

std::string Master::reconfig() {
  auto& m = *impl_;
  const auto config_path = m.dir / "master.yaml";
  std::string unreadable;
  const auto text = read_config(config_path, unreadable);
  if (!text) return unreadable;
  auto loaded = config::load_config_string(*text, config_path.string());
  if (!loaded) return format_errors(loaded.error());
  if (auto problem = read_passwords(m.dir, *loaded)) return *problem + "\n";
  auto next = std::move(*loaded);
  // The port and the store stay as started: changing them needs a restart.
  next.slave_port = m.config.slave_port;
  next.slave_bind = m.config.slave_bind;
  next.durability = m.config.durability;
  next.master_id = m.config.master_id;
  next.web.enabled = m.config.web.enabled;  // the gateway's port needs a restart, too
  next.web.bind = m.config.web.bind;
  next.web.port = m.config.web.port;
  if (!(next.port_limits == m.config.port_limits)) {
    spdlog::warn("reconfig: master.port_limits changed; the new limits need a restart");
    next.port_limits = m.config.port_limits;
  }
  if (next.tls.has_value() != m.config.tls.has_value()) {
    spdlog::warn("reconfig: master.tls was {}; turning TLS on or off needs a restart",
                 m.config.tls ? "removed" : "added");
    next.tls = m.config.tls;
  }
  // The files may hold a renewed certificate: read them again.
  auto tls = config::load_port_tls(m.dir, next);
  if (!tls) return tls.error() + "\n";

  std::optional<std::string> failed = "no answer from the supervisor";
  {
    caf::scoped_actor self{*m.system};
    self->request(m.supervisor, defaults::kReconfigTimeout, reconfig_atom::value,
                  std::make_shared<const config::MasterConfig>(next))
        .receive([&]() { failed.reset(); },
                 [&](caf::error& error) { failed = eventbot::describe(error); });
  }
  if (failed) return *failed + "\n";
  m.port->set_accounts(accounts_of(next));
  m.port->set_tls(std::move(*tls));
  m.config = std::move(next);
  m.intake->configure(m.config.validation);
  m.users->configure(std::make_shared<const config::MasterConfig>(m.config), m.supervisor);
  if (m.web) m.web->configure(m.config);
  m.record_config(*text);
  return {};
}

unsigned short Master::slave_port() const {
  return impl_->port->port();
}
unsigned short Master::web_port() const {
  return impl_->web ? impl_->web->port() : 0;
}
const config::MasterConfig& Master::config() const {
  return impl_->config;
}
store::RocksEventLog& Master::log() {
  return *impl_->log;
}
const caf::actor& Master::supervisor() const {
  return impl_->supervisor;
}

std::string Master::describe() const {
  const auto& c = impl_->config;
  return "eventbot master '" + c.master_id + "' is running in " + impl_->dir.string() +
         ": slave port " + c.slave_bind + ":" + std::to_string(slave_port()) +
         (c.tls ? " (TLS)" : "") +
         (impl_->web ? ", web " + c.web.bind + ":" + std::to_string(web_port()) : "") + ", " +
         std::to_string(c.schedulers.size()) + " schedulers, " + std::to_string(c.builders.size()) +
         " builders";
}

int run_master(const fs::path& dir,
               const std::function<void(bool ok, const std::string& message)>& ready) {
  // Signals are taken synchronously by this thread; every thread started later
  // inherits the mask, so none of them is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v");
  spdlog::flush_on(spdlog::level::info);
  MasterOptions options;
  options.dir = dir;
  std::atomic<bool> fatal = false;
  options.on_fatal = [&fatal](const std::string&) {
    fatal = true;
    ::kill(::getpid(), SIGTERM);  // the loop below takes it and stops the master
  };
  auto master = Master::start(options);
  if (!master) {
    spdlog::error("start-up failed: {}", master.error());
    ready(false, master.error());
    return 1;
  }
  spdlog::info("{}", (*master)->describe());
  ready(true, (*master)->describe());

  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      auto errors = (*master)->reconfig();
      if (errors.empty()) {
        spdlog::info("{}", kReconfigOk);
      } else {
        spdlog::error("{}:\n{}", kReconfigFailed, errors);
      }
      continue;
    }
    if (!fatal) spdlog::info("stopping on signal {}", signal);
    break;
  }
  master->reset();
  if (fatal) {
    spdlog::critical("master stopped: its event log could not be read or written (see above)");
    return 1;
  }
  spdlog::info("master stopped");
  return 0;
}

}  // namespace eventbot::master
