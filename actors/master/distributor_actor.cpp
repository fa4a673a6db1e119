#include "actors/master/distributor_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/builds/results.hpp"
#include "events/streams.hpp"

namespace eventbot::master {
namespace {

using Self = caf::stateful_actor<DistributorState>;
using Key = std::pair<std::string, std::uint32_t>;

std::optional<store::AppendResult> append(Self* self, store::AppendRequest request,
                                          const char* what) {
  auto appended = self->state.context.log->append(std::move(request));
  if (!appended) {
    spdlog::warn("distributor: {} not recorded: {}", what, appended.error().message);
    return std::nullopt;
  }
  self->state.awaiting = std::max(self->state.awaiting, appended->last.value());
  return *appended;
}

// Buildsets: which requests are still open, the worst result, the stream's version.
void track_buildset(DistributorState& st, const events::Envelope& event) {
  if (event.has_buildset_submitted()) {
    auto& set = st.buildsets[event.buildset_submitted().buildset_id()];
    for (auto id : event.buildset_submitted().build_request_ids()) set.open.insert(id);
    set.version = event.stream_version();
    set.known = true;
    if (set.open.empty()) st.ready.insert(event.buildset_submitted().buildset_id());
  } else if (event.has_build_request_submitted()) {
    // Schedulers list the request ids in BuildsetSubmitted; this keeps older logs right.
    st.buildsets[event.build_request_submitted().buildset_id()].open.insert(
        event.build_request_submitted().request_id());
    st.request_buildset[event.build_request_submitted().request_id()] =
        event.build_request_submitted().buildset_id();
  } else if (event.has_build_request_completed() || event.has_build_request_cancelled()) {
    const auto id = event.has_build_request_completed()
                        ? event.build_request_completed().request_id()
                        : event.build_request_cancelled().request_id();
    const auto result = event.has_build_request_completed()
                            ? event.build_request_completed().result()
                            : events::CANCELLED;
    auto owner = st.request_buildset.find(id);
    if (owner == st.request_buildset.end()) return;
    auto set = st.buildsets.find(owner->second);
    st.request_buildset.erase(owner);
    if (set == st.buildsets.end()) return;
    set->second.open.erase(id);
    set->second.result = builds::worst(set->second.result, result);
    if (set->second.open.empty()) st.ready.insert(set->first);
  } else if (event.has_buildset_completed()) {
    st.buildsets.erase(event.buildset_completed().buildset_id());
  }
}

// Records BuildsetCompleted for every buildset whose requests are all done. The append
// expects the buildset stream's folded version, so two masters cannot both record it.
void complete_buildsets(Self* self) {
  auto& st = self->state;
  // Only the buildsets whose last open request ended since the last call.
  for (auto id : std::exchange(st.ready, {})) {
    auto it = st.buildsets.find(id);
    if (it == st.buildsets.end()) continue;
    auto& set = it->second;
    if (!set.known || !set.open.empty() || set.completing) continue;
    store::AppendRequest request;
    auto& event = request.events.emplace_back();
    event.set_stream(streams::buildset(id));
    event.set_master_id(st.context.master_id);
    event.mutable_buildset_completed()->set_buildset_id(id);
    event.mutable_buildset_completed()->set_result(set.result);
    request.expected.emplace(streams::buildset(id),
                             store::ExpectedVersion::exactly(StreamVersion(set.version)));
    set.completing = true;
    append(self, std::move(request), "a completed buildset");
  }
}

void spawn_build(Self* self, BuildStart start) {
  auto& st = self->state;
  Key key{start.builder, start.number};
  auto builder = std::find_if(st.config->builders.begin(), st.config->builders.end(),
                              [&](const auto& b) { return b.name == start.builder; });
  if (builder == st.config->builders.end()) {
    spdlog::error("build {} #{}: its builder is no longer configured", start.builder, start.number);
    return;
  }
  auto context = st.context;
  context.distributor = caf::actor_cast<caf::actor>(self);
  auto actor = self->spawn<caf::detached>(build_actor, std::move(start), *builder, st.config,
                                          std::move(context));
  self->monitor(actor);
  st.builds[key] = actor;
}

void decide(Self* self) {
  auto& st = self->state;
  if (st.folded < st.awaiting) return;  // our last append is not folded yet
  for (const auto& start : st.core->decide(st.random)) {
    auto appended = append(self, st.core->append_request_for(start), "a build start");
    if (!appended) break;  // a claim lost a race: fold the log, then decide again
    spdlog::info("build {} #{} starts on {} for request(s) {}", start.builder, start.number,
                 start.slave, fmt::join(start.request_ids, ","));
    BuildStart build;
    build.builder = start.builder;
    build.number = start.number;
    build.slave = start.slave;
    build.request_ids = start.request_ids;
    build.sourcestamps = start.sourcestamps;
    build.properties = start.properties;
    build.reason = start.reason;
    spawn_build(self, std::move(build));
  }
}

// Builds this master was running when it stopped: each gets a build actor that tries
// to re-attach to its slave, or ends RETRY.
void recover_builds(Self* self) {
  auto& st = self->state;
  for (const auto& running : st.core->running()) {
    if (running.master_id != st.context.master_id) continue;
    if (st.builds.count({running.builder, running.number})) continue;
    BuildStart build;
    build.builder = running.builder;
    build.number = running.number;
    build.slave = running.slave;
    build.request_ids = running.request_ids;
    build.recovering = true;
    spdlog::info("build {} #{} was running when the master stopped; taking it back",
                 running.builder, running.number);
    spawn_build(self, std::move(build));
  }
}

void fold(Self* self, const events::Envelope& event) {
  auto& st = self->state;
  st.core->evolve(event);
  st.locks.evolve(event);
  track_buildset(st, event);
  st.folded = event.sequence();
  if (event.has_slave_shutdown_requested()) {
    st.shutting_down.insert(event.slave_shutdown_requested().slave());
  } else if (event.has_slave_attached()) {
    st.shutting_down.erase(event.slave_attached().slave());
  }
  // Stop requests and finished trigger buildsets concern running builds.
  if (event.has_build_stop_requested()) {
    auto it = st.builds.find(
        {event.build_stop_requested().builder(), event.build_stop_requested().build_number()});
    if (it != st.builds.end()) {
      self->send(it->second, stop_atom::value, event.build_stop_requested().who(),
                 event.build_stop_requested().reason());
    }
  } else if (event.has_buildset_submitted() &&
             !event.buildset_submitted().external_idstring().empty()) {
    for (auto& [key, build] : st.builds) {
      self->send(build, trigger_atom::value, event.buildset_submitted().external_idstring(),
                 event.buildset_submitted().buildset_id());
    }
  } else if (event.has_buildset_completed()) {
    for (auto& [key, build] : st.builds) {
      self->send(build, buildset_done_atom::value, event.buildset_completed().buildset_id(),
                 static_cast<std::int32_t>(event.buildset_completed().result()));
    }
  }
}

// Slaves shutting down gracefully are told to go once their last build has ended.
void shut_idle_slaves(Self* self) {
  auto& st = self->state;
  if (!st.context.hub) return;
  for (auto it = st.shutting_down.begin(); it != st.shutting_down.end();) {
    auto slave = st.core->slave(*it);
    if (slave && slave->attached && slave->master_id == st.context.master_id &&
        slave->running == 0) {
      if (auto actor = st.context.hub->actor_of(*it)) {
        self->send(actor, shutdown_atom::value, std::string("a graceful shutdown"));
      }
      it = st.shutting_down.erase(it);
    } else {
      ++it;
    }
  }
}

void grant_locks(Self* self) {
  auto& st = self->state;
  for (const auto& waiter : st.locks.grant()) {
    store::AppendRequest request;
    request.events =
        builders::lock_acquired_events(waiter, st.locks.held_by(waiter), st.context.master_id);
    if (!request.events.empty()) append(self, std::move(request), "lock acquisitions");
    auto promise = st.lock_waiters.find(waiter);
    if (promise != st.lock_waiters.end()) {
      promise->second.deliver(std::string("ok"));
      st.lock_waiters.erase(promise);
    }
  }
}

}  // namespace

caf::behavior distributor_actor(Self* self, BuildContext context, ConfigPtr config) {
  auto& st = self->state;
  st.context = std::move(context);
  st.config = config;
  st.core = std::make_unique<builders::DistributorCore>(*config, st.context.master_id);
  st.locks = builders::LockTable(config->locks, st.context.master_id);
  self->set_down_handler([=](caf::down_msg& down) {
    auto& st = self->state;
    for (auto it = st.builds.begin(); it != st.builds.end(); ++it) {
      if (it->second.address() != down.source) continue;
      if (down.reason && down.reason != caf::exit_reason::user_shutdown) {
        spdlog::error("build {} #{} failed: {}", it->first.first, it->first.second,
                      caf::to_string(down.reason));
      }
      st.builds.erase(it);
      break;
    }
    decide(self);
  });
  self->set_exit_handler([=](caf::exit_msg& exit) {
    for (auto& [key, build] : self->state.builds) self->send_exit(build, exit.reason);
    self->quit(exit.reason);
  });
  return {
      [=](init_atom, std::uint64_t head) -> std::string {
        auto& st = self->state;
        auto scanned =
            st.context.log->scan(Sequence(1), Sequence(head), [&](const events::Envelope& event) {
              fold(self, event);
              return true;
            });
        if (!scanned) return "reading the log failed: " + scanned.error().message;
        st.folded = head;
        recover_builds(self);
        complete_buildsets(self);
        decide(self);
        return "ok";
      },
      [=](events_atom, const EventBatch& batch) {
        auto& st = self->state;
        for (const auto& event : *batch) {
          if (event.sequence() <= st.folded) continue;
          fold(self, event);
        }
        complete_buildsets(self);
        grant_locks(self);
        shut_idle_slaves(self);
        decide(self);
      },
      [=](lock_atom, const std::string& builder, std::uint32_t number, std::int32_t step,
          const LockUses& uses, const std::string& slave) -> caf::result<std::string> {
        auto& st = self->state;
        builders::WaiterId waiter{builder, number, step};
        if (st.locks.holds(waiter)) return std::string("ok");  // re-asked after a restart
        if (auto queued = st.locks.enqueue(waiter, *uses, slave); !queued) {
          return queued.error().message;
        }
        auto promise = self->make_response_promise();
        st.lock_waiters.emplace(waiter, promise);
        grant_locks(self);
        return caf::result<std::string>(caf::delegated<std::string>());
      },
      [=](release_atom, const std::string& builder, std::uint32_t number, std::int32_t step) {
        auto& st = self->state;
        builders::WaiterId waiter{builder, number, step};
        if (auto promise = st.lock_waiters.find(waiter); promise != st.lock_waiters.end()) {
          st.locks.cancel(waiter);
          promise->second.deliver(std::string("cancelled"));
          st.lock_waiters.erase(promise);
        }
        auto held = st.locks.release(waiter);
        if (!held.empty()) {
          store::AppendRequest request;
          request.events = builders::lock_released_events(waiter, held, st.context.master_id);
          append(self, std::move(request), "lock releases");
        }
        grant_locks(self);
      },
      [=](get_atom) -> std::uint64_t { return self->state.builds.size(); },
      // A new configuration: the core is rebuilt from the log with it. Running builds
      // keep the builder configuration they started with.
      [=](reconfig_atom, const ConfigPtr& next) -> std::string {
        auto& st = self->state;
        auto core = std::make_unique<builders::DistributorCore>(*next, st.context.master_id);
        builders::LockTable locks(next->locks, st.context.master_id);
        auto scanned = st.context.log->scan(Sequence(1), Sequence(st.folded),
                                            [&](const events::Envelope& event) {
                                              core->evolve(event);
                                              locks.evolve(event);
                                              return true;
                                            });
        if (!scanned) return "reading the log failed: " + scanned.error().message;
        st.core = std::move(core);
        st.locks = std::move(locks);
        st.config = next;
        decide(self);
        return "ok";
      },
  };
}

}  // namespace eventbot::master
