#include "actors/master/supervisor.hpp"

#include <spdlog/spdlog.h>

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
Expected<Cores, std::string> make_cores(const std::map<std::string, config::SchedulerConfig>& configs,
                                        const std::vector<std::string>& names) {
  Cores cores;
  for (const auto& name : names) {
    auto core = schedulers::make_scheduler(configs.at(name));
    if (!core) return unexpected("scheduler '" + name + "': " + core.error().message);
    cores.emplace(name, std::shared_ptr<schedulers::SchedulerCore>(std::move(*core)));
  }
  return cores;
}

// Folds the log up to `to` into the cores (and, at start, the id allocator), in one scan.
Expected<Ok, std::string> fold_log(Self* self, Cores& cores, std::uint64_t to, bool observe_ids) {
  auto& st = self->state;
  if (to == 0) return Ok{};
  auto scanned = st.context.log->scan(Sequence(1), Sequence(to), [&](const events::Envelope& event) {
    for (auto& [name, core] : cores) core->evolve(event);
    if (observe_ids) {
      st.context.ids->observe(event);
      if (event.stream() == streams::changes()) st.last_change_id = event.stream_version();
    }
    return true;
  });
  if (!scanned) return unexpected("reading the log failed: " + scanned.error().message);
  return Ok{};
}

void spawn_all(Self* self, Cores& cores) {
  auto& st = self->state;
  for (auto& [name, core] : cores) {
    auto actor = self->spawn(scheduler_actor, core, st.context, st.folded, st.last_change_id);
    self->monitor(actor);
    st.schedulers[name] = actor;
    spdlog::info("scheduler {} running", name);
  }
}

// Creates, folds and spawns the named schedulers from their configurations.
Expected<Ok, std::string> start_schedulers(Self* self, const std::vector<std::string>& names) {
  auto cores = make_cores(self->state.configs, names);
  if (!cores) return unexpected(cores.error());
  if (auto folded = fold_log(self, *cores, self->state.folded, false); !folded) return folded;
  spawn_all(self, *cores);
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

void record_failure(Self* self, const std::string& name, const std::string& reason) {
  store::AppendRequest request;
  auto& event = request.events.emplace_back();
  event.set_stream(streams::master(self->state.context.master_id));
  event.set_master_id(self->state.context.master_id);
  event.mutable_actor_failed()->set_actor(streams::scheduler(name));
  event.mutable_actor_failed()->set_reason(reason);
  if (auto appended = self->state.context.log->append(std::move(request)); !appended) {
    spdlog::error("recording the failure of scheduler {} failed: {}", name,
                  appended.error().message);
  }
}

}  // namespace

caf::behavior supervisor_actor(Self* self, SchedulerContext context, ConfigPtr config) {
  self->state.context = std::move(context);
  self->state.configs = by_name(*config);
  self->set_down_handler([=](caf::down_msg& down) {
    auto& st = self->state;
    for (auto& [name, actor] : st.schedulers) {
      if (actor.address() != down.source) continue;
      auto reason = caf::to_string(down.reason);
      spdlog::error("scheduler {} failed ({}); restarting it from the log", name, reason);
      auto failed = name;  // `name` dies with the erase below
      st.schedulers.erase(failed);
      record_failure(self, failed, reason);
      if (auto started = start_schedulers(self, {failed}); !started) {
        spdlog::error("restarting scheduler {} failed: {}", failed, started.error());
      }
      return;
    }
  });
  // Stopping the supervisor stops its schedulers (the state is gone by the time
  // attach_functor callbacks run, so this happens in the exit handler).
  self->set_exit_handler([=](caf::exit_msg& exit) {
    for (auto& [name, actor] : self->state.schedulers) self->send_exit(actor, exit.reason);
    self->quit(exit.reason);
  });
  return {
      [=](init_atom, std::uint64_t head) -> std::string {
        auto& st = self->state;
        std::vector<std::string> names;
        for (const auto& [name, _] : st.configs) names.push_back(name);
        auto cores = make_cores(st.configs, names);
        if (!cores) return cores.error();
        st.folded = head;
        if (auto folded = fold_log(self, *cores, st.folded, true); !folded) return folded.error();
        spawn_all(self, *cores);
        return "ok";
      },
      [=](events_atom, const EventBatch& batch) {
        auto& st = self->state;
        for (const auto& event : *batch) {
          if (event.sequence() <= st.folded) continue;
          st.context.ids->observe(event);
          if (event.stream() == streams::changes()) st.last_change_id = event.stream_version();
          st.folded = event.sequence();
        }
        for (auto& [name, actor] : st.schedulers) self->send(actor, events_atom::value, batch);
      },
      [=](tick_atom) {
        for (auto& [name, actor] : self->state.schedulers) self->send(actor, tick_atom::value);
      },
      [=](reconfig_atom, const ConfigPtr& next) -> std::string {
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
        return "ok";
      },
      [=](command_atom, const std::string& scheduler,
          const CommandPtr& command) -> caf::result<std::string> {
        auto it = self->state.schedulers.find(scheduler);
        if (it == self->state.schedulers.end()) return "no scheduler named '" + scheduler + "'";
        auto promise = self->make_response_promise<std::string>();
        promise.delegate(it->second, command_atom::value, command);
        return promise;
      },
  };
}

}  // namespace eventbot::master
