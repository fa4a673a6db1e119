#include "actors/master/distributor_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/master/distributor_snapshot.hpp"
#include "actors/master/lock_wait.hpp"
#include "actors/messages/errors.hpp"
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

// Records BuildsetCompleted for every buildset whose requests are all done. The append
// expects the buildset stream's folded version, so two masters cannot both record it.
void complete_buildsets(Self* self) {
  auto& st = self->state;
  for (const auto& completion : st.buildsets.take_ready()) {
    store::AppendRequest request;
    auto& event =
        request.events.emplace_back(builders::BuildsetTracker::completed_event(completion));
    event.set_master_id(st.context.master_id);
    request.expected.emplace(event.stream(), store::ExpectedVersion::exactly(completion.version));
    append(self, std::move(request), "a completed buildset");
  }
}

// The build's own events, folded: what its lock events are linked to.
void track_build(DistributorState& st, const events::Envelope& event) {
  if (event.has_build_started()) {
    st.build_causes[{event.build_started().builder(), event.build_started().number()}].evolve(
        event);
  } else if (event.has_build_finished()) {
    st.build_causes.erase({event.build_finished().builder(), event.build_finished().number()});
  } else if (event.has_step_started() || event.has_log_opened()) {
    const auto& builder =
        event.has_step_started() ? event.step_started().builder() : event.log_opened().builder();
    const auto number = event.has_step_started() ? event.step_started().build_number()
                                                 : event.log_opened().build_number();
    auto it = st.build_causes.find({builder, number});
    if (it != st.build_causes.end()) it->second.evolve(event);
  }
}

// Links the lock events of a waiter to its build's or step's start. What is not folded
// yet (a step's StepStarted may come back from the log after its locks are granted; a
// finished build's causes are dropped) is read from the build's stream.
void link_lock_events(Self* self, const builders::WaiterId& waiter,
                      std::vector<events::Envelope>& events) {
  auto& st = self->state;
  builds::BuildCauses read;
  auto folded = st.build_causes.find({waiter.builder, waiter.build_number});
  auto& causes = folded != st.build_causes.end() ? folded->second : read;
  const bool known = waiter.step_index < 0 ? causes.build().known()
                                           : causes.step(waiter.step_index) != causes.build();
  if (!known) {
    const auto stream = streams::build(waiter.builder, waiter.build_number);
    if (auto own = st.context.log->read_stream(stream, StreamVersion(1), ~std::size_t{0})) {
      for (const auto& event : *own) causes.evolve(event);
    }
  }
  causes.link(events, waiter.step_index);
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
  auto actor =
      st.context.detached_builds
          ? self->spawn<caf::detached>(build_actor, std::move(start), *builder, st.config,
                                       std::move(context))
          : self->spawn(build_actor, std::move(start), *builder, st.config, std::move(context));
  self->monitor(actor);
  st.builds[key] = actor;
  st.context.owners->add(key, actor);
}

void decide(Self* self) {
  auto& st = self->state;
  if (st.folded < st.awaiting) return;  // our last append is not folded yet
  for (const auto& start : st.core->decide(st.random)) {
    auto request = st.core->append_request_for(start);
    // Each claim, and BuildStarted (last), are caused by the submission of their request.
    for (std::size_t i = 0; i < request.events.size(); ++i) {
      const auto id =
          i < start.request_ids.size() ? start.request_ids[i] : start.request_ids.front();
      events::link_to(request.events[i],
                      st.buildsets.request_submitted(id).value_or(events::Cause{}));
    }
    const auto started_correlation = request.events.back().correlation_id();
    auto appended = append(self, std::move(request), "a build start");
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
    build.started_by = events::Cause{appended->last.value(), started_correlation};
    st.build_causes[{start.builder, start.number}] = builds::BuildCauses(build.started_by);
    spawn_build(self, std::move(build));
  }
}

// Builds this master was running when it stopped: each gets a build actor that tries
// to re-attach to its slave, or ends RETRY.
void recover_builds(Self* self) {
  auto& st = self->state;
  for (const auto& running : st.core->running()) {
    if (running.master_id != st.context.master_id) continue;
    const Key key{running.builder, running.number};
    if (st.builds.count(key)) continue;
    if (auto live = st.context.owners->owner(key)) {
      // Its actor outlived the distributor that spawned it: adopt it, never a second one.
      spdlog::info("build {} #{} still runs; the distributor takes it over", running.builder,
                   running.number);
      self->monitor(live);
      st.builds[key] = live;
      self->send(live, adopt_atom::value, caf::actor_cast<caf::actor>(self));
      continue;
    }
    BuildStart build;
    build.builder = running.builder;
    build.number = running.number;
    build.slave = running.slave;
    build.request_ids = running.request_ids;
    build.recovering = true;
    build.stream_version = 0;  // read from the log by the build
    spdlog::info("build {} #{} was running when the master stopped; taking it back",
                 running.builder, running.number);
    spawn_build(self, std::move(build));
  }
}

void end_waits(Self* self, const std::string& builder, std::uint32_t number, const caf::error& why);

// Saves the folds as of `folded` once snapshot_every events have been folded since the
// last snapshot (or, with `now`, whenever anything has).
void save_snapshot(Self* self, bool now = false) {
  auto& st = self->state;
  if (!st.context.snapshots || st.folded <= st.saved_at) return;
  if (!now && st.folded - st.saved_at < st.context.snapshot_every) return;
  save_distributor_snapshot(*st.context.snapshots, st, st.folded);
  st.saved_at = st.folded;
}

}  // namespace

void fold_distributor_state(DistributorState& st, const events::Envelope& event) {
  st.core->evolve(event);
  st.locks.evolve(event);
  st.buildsets.evolve(event);
  track_build(st, event);
  st.folded = event.sequence();
  if (event.has_slave_shutdown_requested()) {
    st.shutting_down.insert(event.slave_shutdown_requested().slave());
  } else if (event.has_slave_attached()) {
    st.shutting_down.erase(event.slave_attached().slave());
  }
}

namespace {

void fold(Self* self, const events::Envelope& event) {
  auto& st = self->state;
  fold_distributor_state(st, event);
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
  } else if (event.has_build_finished()) {
    // The table dropped its waiters (LockTable::evolve); their requests end too.
    end_waits(self, event.build_finished().builder(), event.build_finished().number(),
              make_error(ec::cancelled, "the build has finished"));
  } else if (event.has_buildset_completed()) {
    for (auto& [key, build] : st.builds) {
      self->send(build, buildset_done_atom::value,
                 BuildsetId(event.buildset_completed().buildset_id()),
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
    link_lock_events(self, waiter, request.events);
    if (!request.events.empty()) append(self, std::move(request), "lock acquisitions");
    auto asked = st.lock_waiters.find(waiter);
    if (asked != st.lock_waiters.end()) {
      // Without a pending request (renewed, not asked again yet) the next ask finds it held.
      if (asked->second.promise) asked->second.promise->deliver(caf::unit);
      st.lock_waiters.erase(asked);
    }
  }
}

// Ends every lock wait of a build with `why`.
void end_waits(Self* self, const std::string& builder, std::uint32_t number,
               const caf::error& why) {
  auto& st = self->state;
  for (auto it = st.lock_waiters.begin(); it != st.lock_waiters.end();) {
    if (it->first.builder != builder || it->first.build_number != number) {
      ++it;
      continue;
    }
    st.locks.cancel(it->first);
    if (it->second.promise) it->second.promise->deliver(why);
    it = st.lock_waiters.erase(it);
  }
}

// Answers every pending lock request within kLockRenew, so a build tells a busy lock
// (ec::timeout: still queued, ask again) from a distributor that is gone (no answer).
void arm_renewal(Self* self) {
  auto& st = self->state;
  if (st.renewing) return;
  st.renewing = true;
  self->delayed_send(self, kLockRenew, lock_renew_atom::value);
}

void renew_waits(Self* self) {
  auto& st = self->state;
  st.renewing = false;
  for (auto& [waiter, asked] : st.lock_waiters) {
    if (!asked.promise) continue;
    std::string names;
    for (const auto& use : *asked.uses) names += (names.empty() ? "" : ", ") + use.lock;
    asked.promise->deliver(make_error(ec::timeout, "still waiting for lock(s) " + names));
    asked.promise.reset();
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
                      self->system().render(down.reason));
      }
      // Its lock waits go with it (its locks stay held until BuildFinished).
      end_waits(self, it->first.first, it->first.second, make_error(ec::cancelled, "build gone"));
      st.builds.erase(it);
      break;
    }
    decide(self);
  });
  // Told to stop: keep the folds so far. A failure (an exception) does not come here, so
  // a state that may be broken is never saved.
  self->set_exit_handler([=](caf::exit_msg& exit) {
    save_snapshot(self, /*now=*/true);
    for (auto& [key, build] : self->state.builds) self->send_exit(build, exit.reason);
    self->quit(exit.reason);
  });
  return {
      [=](init_atom, std::uint64_t head) -> caf::result<void> {
        auto& st = self->state;
        // From the snapshot when there is one: fold only what follows it.
        st.saved_at =
            st.context.snapshots ? load_distributor_snapshot(*st.context.snapshots, st, head) : 0;
        if (st.saved_at < head) {
          auto scanned = st.context.log->scan(Sequence(st.saved_at + 1), Sequence(head),
                                              [&](const events::Envelope& event) {
                                                fold(self, event);
                                                return true;
                                              });
          if (!scanned) {
            return make_error(ec::unspecified,
                              "reading the log failed: " + scanned.error().message);
          }
        }
        st.folded = head;
        save_snapshot(self);  // a long fold at start is worth keeping at once
        recover_builds(self);
        complete_buildsets(self);
        decide(self);
        return caf::unit;
      },
      [=](events_atom, const EventBatch& batch) {
        auto& st = self->state;
        for (const auto& event : *batch) {
          if (event.sequence() <= st.folded) continue;
          fold(self, event);
        }
        save_snapshot(self);
        complete_buildsets(self);
        grant_locks(self);
        shut_idle_slaves(self);
        decide(self);
      },
      [=](lock_atom, const WaiterId& waiter, const LockUses& uses,
          const SlaveName& slave) -> caf::result<void> {
        auto& st = self->state;
        // Held already: asked again after a renewal, a lost answer or a restart.
        if (st.locks.holds(waiter)) return caf::unit;
        auto asked = st.lock_waiters.find(waiter);
        if (asked != st.lock_waiters.end() && st.locks.waiting(waiter)) {
          // Asked again: the same place in the queue, this request's promise.
          if (asked->second.promise) {
            asked->second.promise->deliver(make_error(ec::timeout, "asked again"));
          }
          asked->second.promise = self->make_response_promise();
        } else {
          if (auto queued = st.locks.enqueue(waiter, *uses, slave.value()); !queued) {
            return make_error(ec::refused, queued.error().message);
          }
          st.lock_waiters[waiter] = {uses, slave.value(), self->make_response_promise()};
          grant_locks(self);
        }
        arm_renewal(self);
        return caf::delegated<void>();
      },
      [=](lock_renew_atom) { renew_waits(self); },
      [=](release_atom, const WaiterId& waiter) {
        auto& st = self->state;
        if (auto asked = st.lock_waiters.find(waiter); asked != st.lock_waiters.end()) {
          if (asked->second.promise) {
            asked->second.promise->deliver(make_error(ec::cancelled, "released while waiting"));
          }
          st.lock_waiters.erase(asked);
        }
        st.locks.cancel(waiter);
        auto held = st.locks.release(waiter);
        if (!held.empty()) {
          store::AppendRequest request;
          request.events = builders::lock_released_events(waiter, held, st.context.master_id);
          link_lock_events(self, waiter, request.events);
          append(self, std::move(request), "lock releases");
        }
        grant_locks(self);
      },
      [=](get_atom) -> std::uint64_t { return self->state.builds.size(); },
      // A new configuration: the core keeps its fold (which does not depend on it) and
      // decides under the new one from now on. Running builds
      // keep the builder configuration they started with. The lock table keeps its
      // holders (the log's and the grants not folded back yet) and its waiters, queued
      // again in their order; a waiter the new locks refuse is answered ec::refused.
      [=](reconfig_atom, const ConfigPtr& next) -> caf::result<void> {
        auto& st = self->state;
        auto core = st.core->reconfigured(*next);
        auto locks = st.locks.reconfigured(next->locks);
        for (const auto& waiter : st.locks.waiters()) {
          auto asked = st.lock_waiters.find(waiter);
          if (asked == st.lock_waiters.end()) continue;
          auto queued = locks.enqueue(waiter, *asked->second.uses, asked->second.slave);
          if (queued) continue;
          spdlog::error("build {} #{}: after the reconfig its locks cannot be granted: {}",
                        waiter.builder, waiter.build_number, queued.error().message);
          if (asked->second.promise) {
            asked->second.promise->deliver(
                make_error(ec::refused, "after a reconfig: " + queued.error().message));
          }
          st.lock_waiters.erase(asked);
        }
        st.core = std::move(core);
        st.locks = std::move(locks);
        st.config = next;
        grant_locks(self);
        decide(self);
        return caf::unit;
      },
  };
}

}  // namespace eventbot::master
