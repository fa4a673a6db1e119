#include "actors/master/supervisor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "actors/master/snapshots.hpp"
#include "actors/messages/errors.hpp"
#include "actors/schedulers/make_scheduler.hpp"
#include "events/streams.hpp"

namespace eventbot::master {
namespace {

using Self = caf::stateful_actor<SupervisorState>;
using Cores = std::map<std::string, std::shared_ptr<schedulers::SchedulerCore>>;

std::map<std::string, config::SchedulerConfig> by_name(const config::MasterConfig& config) {
  std::map<std::string, config::SchedulerConfig> out;
  for (const auto& scheduler : config.schedulers) out.emplace(scheduler.name, scheduler);
  return out;
}

// Makes a core for each named scheduler; the first configuration error stops it.
Expected<Cores, caf::error> make_cores(
    const std::map<std::string, config::SchedulerConfig>& configs,
    const std::vector<std::string>& names) {
  Cores cores;
  for (const auto& name : names) {
    auto core = schedulers::make_scheduler(configs.at(name));
    if (!core) {
      return unexpected(
          make_error(ec::invalid_argument, "scheduler '" + name + "': " + core.error().message));
    }
    cores.emplace(name, std::shared_ptr<schedulers::SchedulerCore>(std::move(*core)));
  }
  return cores;
}

// The sequence each core was restored at from its snapshot (0: none, fold from the start).
using SnapshotAt = std::map<std::string, std::uint64_t>;

// Folds one event into the supervisor's own fold: the id allocator, the largest ids, the
// version of the `changes` stream.
void observe(SupervisorState& st, const events::Envelope& event) {
  st.context.ids->observe(event);
  SupervisorFold fold{st.last_buildset_id, st.last_request_id, st.last_change_id};
  fold_supervisor(fold, event);
  st.last_buildset_id = fold.last_buildset_id;
  st.last_request_id = fold.last_request_id;
  st.last_change_id = fold.last_change_id;
}

// Saves the supervisor's own fold as of `folded` once snapshot_every events have been
// folded since the last save (with `now`: whenever anything has).
void save_snapshot(Self* self, bool now = false) {
  auto& st = self->state;
  if (!st.context.snapshots || st.folded <= st.saved_at) return;
  if (!now && st.folded - st.saved_at < st.context.snapshot_every) return;
  save_supervisor_snapshot(
      *st.context.snapshots,
      SupervisorFold{st.last_buildset_id, st.last_request_id, st.last_change_id}, st.folded);
  st.saved_at = st.folded;
}

// Restores the supervisor's own fold from its snapshot; the sequence it is at (0: none).
std::uint64_t restore_own_fold(Self* self, std::uint64_t at_most) {
  auto& st = self->state;
  if (!st.context.snapshots) return 0;
  auto loaded = load_supervisor_snapshot(*st.context.snapshots, at_most);
  if (!loaded) return 0;
  const auto& [fold, sequence] = *loaded;
  st.last_buildset_id = fold.last_buildset_id;
  st.last_request_id = fold.last_request_id;
  st.last_change_id = fold.last_change_id;
  st.context.ids->restore(fold.last_buildset_id, fold.last_request_id);
  return sequence;
}

// Restores each (fresh) core from its snapshot if it has one it accepts.
SnapshotAt restore_cores(Self* self, Cores& cores, std::uint64_t at_most) {
  SnapshotAt at;
  for (auto& [name, core] : cores) {
    auto& snapshots = self->state.context.snapshots;
    at[name] = snapshots ? load_scheduler_snapshot(*snapshots, *core, at_most) : 0;
  }
  return at;
}

// Folds the log up to `to` into the cores (and, with `own_at`, the supervisor's own
// fold) in one scan, from just after the earliest snapshot: each core folds only the
// events after its own snapshot (`at`), the supervisor's fold those after `own_at`.
Expected<Ok, caf::error> fold_log(Self* self, Cores& cores, std::uint64_t to, const SnapshotAt& at,
                                  std::optional<std::uint64_t> own_at) {
  auto& st = self->state;
  std::uint64_t from = own_at.value_or(to);
  for (const auto& [name, core] : cores) from = std::min(from, at.at(name));
  if (from >= to) return Ok{};
  std::vector<std::pair<std::uint64_t, schedulers::SchedulerCore*>> folding;
  for (auto& [name, core] : cores) folding.emplace_back(at.at(name), core.get());
  auto scanned =
      st.context.log->scan(Sequence(from + 1), Sequence(to), [&](const events::Envelope& event) {
        for (auto& [after, core] : folding) {
          if (event.sequence() > after) core->evolve(event);
        }
        if (own_at && event.sequence() > *own_at) observe(st, event);
        return true;
      });
  if (!scanned) {
    return unexpected(
        make_error(ec::unspecified, "reading the log failed: " + scanned.error().message));
  }
  return Ok{};
}

void spawn_all(Self* self, Cores& cores, const SnapshotAt& at) {
  auto& st = self->state;
  for (auto& [name, core] : cores) {
    auto actor =
        self->spawn(scheduler_actor, core, st.context, st.folded, st.last_change_id, at.at(name));
    self->monitor(actor);
    st.schedulers[name] = actor;
    spdlog::info("scheduler {} running", name);
  }
}

// Creates, folds and spawns the named schedulers from their configurations.
Expected<Ok, caf::error> start_schedulers(Self* self, const std::vector<std::string>& names) {
  auto cores = make_cores(self->state.configs, names);
  if (!cores) return unexpected(cores.error());
  auto at = restore_cores(self, *cores, self->state.folded);
  if (auto folded = fold_log(self, *cores, self->state.folded, at, std::nullopt); !folded) {
    return folded;
  }
  spawn_all(self, *cores, at);
  return Ok{};
}

void stop_scheduler(Self* self, const std::string& name) {
  auto& st = self->state;
  auto it = st.schedulers.find(name);
  if (it == st.schedulers.end()) return;
  self->demonitor(it->second);
  self->send_exit(it->second, caf::exit_reason::user_shutdown);
  st.schedulers.erase(it);
  spdlog::info("scheduler {} stopped", name);
}

// Records ActorFailed for the actor whose stream is `actor` ("scheduler/x", ...).
void record_failure(Self* self, const std::string& actor, const std::string& reason) {
  store::AppendRequest request;
  auto& event = request.events.emplace_back();
  event.set_stream(streams::master(self->state.context.master_id));
  event.set_master_id(self->state.context.master_id);
  event.mutable_actor_failed()->set_actor(actor);
  event.mutable_actor_failed()->set_reason(reason);
  if (auto appended = self->state.context.log->append(std::move(request)); !appended) {
    spdlog::error("recording the failure of {} failed: {}", actor, appended.error().message);
  }
}

std::map<std::string, config::ChangeSourceConfig> git_pollers(const config::MasterConfig& config) {
  std::map<std::string, config::ChangeSourceConfig> out;
  for (const auto& source : config.change_sources) {
    if (source.type == config::ChangeSourceType::git_poller) out.emplace(source.name, source);
  }
  return out;
}

// A git poller blocks its thread on git, so it runs detached, not on the shared threads.
void start_change_source(Self* self, const std::string& name) {
  auto& st = self->state;
  ChangeSourceContext context{st.context.log, st.context.master_id, st.context.master_dir};
  auto actor = self->spawn<caf::detached>(change_source_actor, st.sources.at(name), context);
  self->monitor(actor);
  st.change_sources[name] = actor;
  spdlog::info("change source {} running", name);
}

void stop_change_source(Self* self, const std::string& name) {
  auto& st = self->state;
  auto it = st.change_sources.find(name);
  if (it == st.change_sources.end()) return;
  self->demonitor(it->second);
  self->send_exit(it->second, caf::exit_reason::user_shutdown);
  st.change_sources.erase(it);
  spdlog::info("change source {} stopped", name);
}

// Stops the git pollers gone or changed (by value), then starts the new and changed ones.
void apply_change_sources(Self* self, std::map<std::string, config::ChangeSourceConfig> wanted) {
  auto& st = self->state;
  for (const auto& [name, source] : st.sources) {
    auto still = wanted.find(name);
    if (still == wanted.end() || !(still->second == source)) stop_change_source(self, name);
  }
  auto old = std::exchange(st.sources, std::move(wanted));
  for (const auto& [name, source] : st.sources) {
    auto was = old.find(name);
    if (was == old.end() || !(was->second == source) || !st.change_sources.count(name)) {
      start_change_source(self, name);
    }
  }
}

// builder -> its directory on `slave`, for every builder that may use it.
std::map<std::string, std::string> builder_dirs_for(const config::MasterConfig& config,
                                                    const std::string& slave) {
  std::map<std::string, std::string> dirs;
  for (const auto& builder : config.builders) {
    if (std::find(builder.slaves.begin(), builder.slaves.end(), slave) == builder.slaves.end()) {
      continue;
    }
    std::string dir = builder.slavebuilddir;
    if (dir.empty()) dir = builder.builddir;
    if (dir.empty()) dir = builder.name;
    dirs[builder.name] = dir;
  }
  return dirs;
}

void start_slave(Self* self, const std::string& name) {
  auto& st = self->state;
  if (!st.context.hub) return;
  slaves::SlaveContext context{st.context.log, st.context.master_id, st.context.slave_timings,
                               builder_dirs_for(*st.config, name)};
  auto actor = self->spawn(slaves::slave_actor, st.slave_configs.at(name), std::move(context));
  self->monitor(actor);
  st.slaves[name] = actor;
  st.context.hub->set_actor(name, actor);
}

// A reconfig retires the slave's actor: it closes the connection saying `why` (the
// agent reconnects to the new actor) and stops.
void stop_slave(Self* self, const std::string& name, const std::string& why) {
  auto& st = self->state;
  auto it = st.slaves.find(name);
  if (it == st.slaves.end()) return;
  if (st.context.hub) st.context.hub->remove_actor(name);
  self->demonitor(it->second);
  self->send(it->second, stop_atom::value, why);
  st.slaves.erase(it);
}

// Restarts the slaves whose configuration (or directories) changed, by value.
void apply_slaves(Self* self, const ConfigPtr& next) {
  auto& st = self->state;
  auto old_config = st.config;
  st.config = next;
  std::map<std::string, config::SlaveConfig> wanted;
  for (const auto& slave : next->slaves) wanted.emplace(slave.name, slave);
  for (const auto& [name, slave] : st.slave_configs) {
    auto still = wanted.find(name);
    bool same = still != wanted.end() && still->second == slave && old_config &&
                builder_dirs_for(*old_config, name) == builder_dirs_for(*next, name);
    if (still == wanted.end()) {
      stop_slave(self, name, "removed from master.yaml by a reconfig");
    } else if (!same) {
      stop_slave(self, name,
                 "reconfigured (its settings or builders in master.yaml changed): it reconnects to "
                 "take the new ones");
    }
  }
  st.slave_configs = std::move(wanted);
  for (const auto& [name, slave] : st.slave_configs) {
    if (!st.slaves.count(name)) start_slave(self, name);
  }
}

// Spawns the distributor; it folds the log itself when sent (init_atom, head).
void spawn_distributor(Self* self) {
  auto& st = self->state;
  BuildContext context;
  context.log = st.context.log;
  context.master_id = st.context.master_id;
  context.master_dir = st.context.master_dir;
  context.hub = st.context.hub;
  context.supervisor = caf::actor_cast<caf::actor>(self);
  context.timings = st.context.slave_timings;
  context.owners = st.build_owners;
  context.snapshots = st.context.snapshots;
  context.snapshot_every = st.context.snapshot_every;
  st.distributor = self->spawn(distributor_actor, context, st.config);
  self->monitor(st.distributor);
}

}  // namespace

caf::behavior supervisor_actor(Self* self, SchedulerContext context, ConfigPtr config) {
  self->state.context = std::move(context);
  self->state.configs = by_name(*config);
  self->set_down_handler([=](caf::down_msg& down) {
    auto& st = self->state;
    auto restart_later = [&](const std::string& stream, const std::string& kind,
                             const std::string& name) {
      auto reason = caf::to_string(down.reason);
      record_failure(self, stream, reason);
      auto delay = st.backoff.on_failure(stream, RestartBackoff::Clock::now());
      spdlog::error("{} {} failed ({}); restarting it from the log in {} ms", kind, name, reason,
                    delay.count());
      self->delayed_send(self, delay, restart_atom::value, kind, name);
    };
    for (auto& [name, actor] : st.schedulers) {
      if (actor.address() != down.source) continue;
      auto failed = name;  // `name` dies with the erase below
      st.schedulers.erase(failed);
      restart_later(streams::scheduler(failed), "scheduler", failed);
      return;
    }
    for (auto& [name, actor] : st.change_sources) {
      if (actor.address() != down.source) continue;
      auto failed = name;
      st.change_sources.erase(failed);
      restart_later(streams::change_source(failed), "change source", failed);
      return;
    }
    if (st.distributor && st.distributor.address() == down.source) {
      st.distributor = caf::actor();
      restart_later(streams::master(st.context.master_id), "distributor", "distributor");
      return;
    }
    for (auto& [name, actor] : st.slaves) {
      if (actor.address() != down.source) continue;
      auto failed = name;
      st.slaves.erase(failed);
      if (st.context.hub) st.context.hub->remove_actor(failed);
      restart_later(streams::slave(failed), "slave", failed);
      return;
    }
  });
  // Stopping the supervisor stops its schedulers (the state is gone by the time
  // attach_functor callbacks run, so this happens in the exit handler).
  // Each scheduler saves its own snapshot in its exit handler; the supervisor saves its
  // fold here, where its state is still alive.
  self->set_exit_handler([=](caf::exit_msg& exit) {
    save_snapshot(self, /*now=*/true);
    for (auto& [name, actor] : self->state.schedulers) self->send_exit(actor, exit.reason);
    for (auto& [name, actor] : self->state.change_sources) self->send_exit(actor, exit.reason);
    for (auto& [name, actor] : self->state.slaves) {
      if (self->state.context.hub) self->state.context.hub->remove_actor(name);
      self->send_exit(actor, exit.reason);
    }
    if (self->state.distributor) self->send_exit(self->state.distributor, exit.reason);
    self->quit(exit.reason);
  });
  return {
      // A failed actor's restart, after its back-off; skipped if a reconfig removed it
      // or started it again meanwhile.
      [=](restart_atom, const std::string& kind, const std::string& name) {
        auto& st = self->state;
        if (kind == "scheduler") {
          if (!st.configs.count(name) || st.schedulers.count(name)) return;
          if (auto started = start_schedulers(self, {name}); !started) {
            spdlog::error("restarting scheduler {} failed: {}", name, describe(started.error()));
          }
        } else if (kind == "distributor") {
          if (st.distributor) return;
          spawn_distributor(self);
          self->send(st.distributor, init_atom::value, st.folded);
        } else if (kind == "slave") {
          if (st.slave_configs.count(name) && !st.slaves.count(name)) start_slave(self, name);
        } else if (st.sources.count(name) && !st.change_sources.count(name)) {
          start_change_source(self, name);
        }
      },
      [=](init_atom, std::uint64_t head) -> caf::result<void> {
        auto& st = self->state;
        std::vector<std::string> names;
        for (const auto& [name, _] : st.configs) names.push_back(name);
        auto cores = make_cores(st.configs, names);
        if (!cores) return cores.error();
        // From the snapshots, when there are: each projection folds only what follows its own.
        st.saved_at = restore_own_fold(self, head);
        auto at = restore_cores(self, *cores, head);
        if (auto folded = fold_log(self, *cores, head, at, st.saved_at); !folded) {
          return folded.error();
        }
        st.folded = head;  // only now is the fold complete (and worth a snapshot)
        save_snapshot(self);
        spawn_all(self, *cores, at);
        apply_change_sources(self, git_pollers(*config));
        apply_slaves(self, config);
        spawn_distributor(self);
        auto promise = self->make_response_promise();
        promise.delegate(st.distributor, init_atom::value, head);
        return promise;
      },
      [=](events_atom, const EventBatch& batch) {
        auto& st = self->state;
        for (const auto& event : *batch) {
          if (event.sequence() <= st.folded) continue;
          observe(st, event);
          st.folded = event.sequence();
        }
        save_snapshot(self);
        for (auto& [name, actor] : st.schedulers) self->send(actor, events_atom::value, batch);
        if (st.distributor) self->send(st.distributor, events_atom::value, batch);
      },
      [=](tick_atom) {
        for (auto& [name, actor] : self->state.schedulers) self->send(actor, tick_atom::value);
      },
      [=](reconfig_atom, const ConfigPtr& next) -> caf::result<void> {
        auto& st = self->state;
        auto wanted = by_name(*next);
        std::vector<std::string> to_start;
        for (const auto& [name, scheduler] : wanted) {
          auto old = st.configs.find(name);
          if (old == st.configs.end() || !(old->second == scheduler)) to_start.push_back(name);
        }
        // Check every new core before touching a running scheduler.
        if (auto cores = make_cores(wanted, to_start); !cores) return cores.error();
        for (const auto& [name, _] : st.configs) {
          auto still = wanted.find(name);
          if (still == wanted.end() || !(still->second == st.configs.at(name))) {
            stop_scheduler(self, name);
          }
        }
        st.configs = std::move(wanted);
        if (auto started = start_schedulers(self, to_start); !started) return started.error();
        apply_change_sources(self, git_pollers(*next));
        apply_slaves(self, next);
        if (st.distributor) {
          auto promise = self->make_response_promise();
          promise.delegate(st.distributor, reconfig_atom::value, next);
          return promise;
        }
        return caf::unit;
      },
      [=](command_atom, const std::string& scheduler,
          const CommandPtr& command) -> caf::result<void> {
        auto it = self->state.schedulers.find(scheduler);
        if (it == self->state.schedulers.end()) {
          return make_error(ec::unknown_target, "no scheduler named '" + scheduler + "'");
        }
        auto promise = self->make_response_promise();
        promise.delegate(it->second, command_atom::value, command);
        return promise;
      },
      [=](command_atom, const std::string& scheduler, const CommandPtr& command,
          submitted_atom) -> caf::response_promise {
        auto promise = self->make_response_promise();
        auto it = self->state.schedulers.find(scheduler);
        if (it == self->state.schedulers.end()) {
          promise.deliver(make_error(ec::unknown_target, "no scheduler named '" + scheduler + "'"));
          return promise;
        }
        promise.delegate(it->second, command_atom::value, command, submitted_atom::value);
        return promise;
      },
      [=](get_atom, const std::string& scheduler) -> caf::actor {
        auto it = self->state.schedulers.find(scheduler);
        return it == self->state.schedulers.end() ? caf::actor() : it->second;
      },
  };
}

}  // namespace eventbot::master
