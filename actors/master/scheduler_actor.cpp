#include "actors/master/scheduler_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/messages/errors.hpp"
#include "actors/schedulers/buildset_events.hpp"
#include "actors/schedulers/decision_causes.hpp"
#include "events/streams.hpp"

namespace eventbot::master {
namespace {

using Self = caf::stateful_actor<SchedulerActorState>;

void fold(Self* self, const events::Envelope& event) {
  auto& st = self->state;
  if (event.sequence() <= st.folded) return;
  st.core->evolve(event);
  st.folded = event.sequence();
  if (event.has_change_added() && event.stream() == streams::changes()) {
    st.pending.push_back(
        {schedulers::ConsiderChange{event.stream_version(), event.change_added(), event.time_us()},
         events::Cause::of(event)});
  } else if (event.has_buildset_completed()) {
    st.pending.push_back({schedulers::UpstreamCompleted{event.buildset_completed().buildset_id(),
                                                        event.buildset_completed().result()},
                          events::Cause::of(event)});
  }
}

// Folds what the log has after `folded` up to `to`, when a batch arrives with a gap
// before it (an actor spawned while batches were in flight).
void fill_gap(Self* self, std::uint64_t to) {
  auto& st = self->state;
  auto filled = st.context.log->scan(Sequence(st.folded + 1), Sequence(to),
                                     [&](const events::Envelope& event) {
                                       fold(self, event);
                                       return true;
                                     });
  if (!filled)
    spdlog::error("scheduler {}: reading the log failed: {}", st.core->name(),
                  filled.error().message);
}

void arm_timers(Self* self) {
  auto& st = self->state;
  std::map<std::string, std::int64_t> wanted;
  for (const auto& timer : st.core->next_timers()) wanted[timer.name] = timer.due_us;
  for (const auto& [name, due] : wanted) {
    auto it = st.armed.find(name);
    if (it != st.armed.end() && it->second == due) continue;
    st.armed[name] = due;
    auto delay = std::max<std::int64_t>(0, due - st.context.clock->now_us());
    self->delayed_send(self, std::chrono::microseconds(delay), timer_atom::value, name, due);
  }
  for (auto it = st.armed.begin(); it != st.armed.end();) {
    it = wanted.count(it->first) ? std::next(it) : st.armed.erase(it);
  }
}

// Saves the core's snapshot at `folded` when snapshot_every events have been folded since
// the last one (or, with `now`, whenever anything has). The core is exactly the fold of
// the log up to `folded`: decide() never changes it.
void save_snapshot(Self* self, bool now = false) {
  auto& st = self->state;
  if (!st.context.snapshots || st.folded <= st.saved_at) return;
  if (!now && st.folded - st.saved_at < st.context.snapshot_every) return;
  save_scheduler_snapshot(*st.context.snapshots, *st.core, st.folded);
  st.saved_at = st.folded;
}

std::uint64_t request_count(const schedulers::Decision& decision) {
  std::uint64_t n = 0;
  for (const auto& buildset : decision.buildsets) n += buildset.builder_names.size();
  return n;
}

// Why the core refused a command, as the error a requester tells apart by code.
caf::error refusal(const schedulers::SchedulerError& error) {
  using Code = schedulers::SchedulerError::Code;
  switch (error.code) {
    case Code::unknown_builder:
      return make_error(ec::unknown_target, error.message);
    case Code::invalid_argument:
    case Code::invalid_config:
      return make_error(ec::invalid_argument, error.message);
    case Code::not_started:
    case Code::not_supported:
    case Code::snapshot_refused:
      break;
  }
  return make_error(ec::refused, error.message);
}

// Takes the front command off `pending`, answering it if it came with command_atom: with
// nothing when it was accepted (`outcome` empty), else with why not.
void take_front(Self* self, caf::error outcome) {
  auto& st = self->state;
  st.pending.pop_front();
  if (!st.replies.empty() && st.replies.front().first == st.taken) {
    if (outcome) {
      st.replies.front().second.deliver(std::move(outcome));
    } else if (st.name_submitted.count(st.taken) > 0) {
      st.replies.front().second.deliver(st.submitted_buildset, st.submitted_builders,
                                        st.submitted_requests);
    } else {
      st.replies.front().second.deliver(caf::unit);
    }
    st.replies.pop_front();
  }
  st.name_submitted.erase(st.taken);
  st.submitted_buildset = 0;
  st.submitted_builders.clear();
  st.submitted_requests.clear();
  ++st.taken;
}

// Decides pending commands while the core has seen this actor's own last append.
void drain(Self* self) {
  auto& st = self->state;
  while (!st.pending.empty() && st.folded >= st.awaiting) {
    const auto& [command, cause] = st.pending.front();
    auto decided = st.core->decide(command);
    if (!decided) {
      spdlog::warn("scheduler {}: {}", st.core->name(), decided.error().message);
      take_front(self, refusal(decided.error()));
      continue;
    }
    if (decided->empty()) {
      take_front(self, caf::error{});
      continue;
    }
    auto ids = st.context.ids->reserve(decided->buildsets.size(), request_count(*decided));
    auto request =
        schedulers::to_append_request(*st.core, *decided, ids.first_buildset, ids.first_request);
    schedulers::link_decision(request, command, cause);
    for (auto& event : request.events) event.set_master_id(st.context.master_id);
    std::uint64_t buildset = 0;
    std::vector<std::string> builders;
    std::vector<std::uint64_t> requests;
    for (const auto& event : request.events) {
      if (event.has_buildset_submitted() && buildset == 0) {
        buildset = event.buildset_submitted().buildset_id();
      } else if (event.has_build_request_submitted()) {
        builders.push_back(event.build_request_submitted().builder());
        requests.push_back(event.build_request_submitted().request_id());
      }
    }
    auto appended = st.context.log->append(std::move(request));
    if (!appended && appended.error().code == store::StoreErrc::version_conflict) {
      // Someone else wrote first: fold up to what the log has now, then decide again.
      spdlog::info("scheduler {}: {}; deciding again", st.core->name(), appended.error().message);
      st.awaiting = st.context.log->head().value();
      break;
    }
    if (!appended) {
      spdlog::error("scheduler {}: appending its decision failed: {}", st.core->name(),
                    appended.error().message);
      take_front(self, make_error(ec::not_recorded, appended.error().message));
      continue;
    }
    st.awaiting = appended->last.value();
    st.submitted_buildset = buildset;
    st.submitted_builders = std::move(builders);
    st.submitted_requests = std::move(requests);
    take_front(self, caf::error{});
  }
  arm_timers(self);
}

}  // namespace

caf::behavior scheduler_actor(Self* self, std::shared_ptr<schedulers::SchedulerCore> core,
                              SchedulerContext context, std::uint64_t folded,
                              std::uint64_t last_change_id, std::uint64_t snapshot_at) {
  auto& st = self->state;
  st.core = std::move(core);
  st.context = std::move(context);
  st.folded = folded;
  st.saved_at = snapshot_at;
  save_snapshot(self);  // a long fold at start is worth keeping at once
  // Told to stop (master shutdown, reconfig): keep the state folded so far. A failure
  // (an exception) does not come here, so a state that may be broken is never saved.
  self->set_exit_handler([=](caf::exit_msg& exit) {
    save_snapshot(self, /*now=*/true);
    self->quit(exit.reason);
  });
  st.pending.push_back({schedulers::Start{st.context.clock->now_us(), last_change_id,
                                          st.context.ids->last_buildset()},
                        {}});
  drain(self);
  return {
      [=](events_atom, const EventBatch& batch) {
        if (batch->empty()) return;
        auto first = batch->front().sequence();
        if (first > self->state.folded + 1) fill_gap(self, first - 1);
        for (const auto& event : *batch) fold(self, event);
        save_snapshot(self);
        drain(self);
      },
      [=](timer_atom, const std::string& name, std::int64_t due) {
        auto& st = self->state;
        auto it = st.armed.find(name);
        if (it == st.armed.end() || it->second != due) return;  // re-armed or gone since
        st.armed.erase(it);
        st.pending.push_back({schedulers::TimerDue{name, st.context.clock->now_us()}, {}});
        drain(self);
      },
      [=](tick_atom) {
        auto& st = self->state;
        auto now = st.context.clock->now_us();
        for (const auto& timer : st.core->next_timers()) {
          if (timer.due_us <= now)
            st.pending.push_back({schedulers::TimerDue{timer.name, now}, {}});
        }
        drain(self);
      },
      [=](command_atom, const CommandPtr& command) -> caf::result<void> {
        // Answered when decided: at once, or once the log has handed back this actor's
        // own last append (until then a success would be a guess). Nothing when the
        // command was accepted, else the error that says why not.
        auto& st = self->state;
        auto reply = self->make_response_promise();
        st.replies.emplace_back(st.taken + st.pending.size(), reply);
        // A trigger names the step it comes from; other commands come from no event.
        const auto* trigger = std::get_if<schedulers::Trigger>(command.get());
        st.pending.push_back({*command, trigger ? trigger->step_started : events::Cause{}});
        drain(self);
        return reply;
      },
      [=](command_atom, const CommandPtr& command, submitted_atom) -> caf::response_promise {
        // As above; the answer names what was submitted (a forced build's ids).
        auto& st = self->state;
        auto reply = self->make_response_promise();
        const auto index = st.taken + st.pending.size();
        st.replies.emplace_back(index, reply);
        st.name_submitted.insert(index);
        st.pending.push_back({*command, events::Cause{}});
        drain(self);
        return reply;
      },
  };
}

}  // namespace eventbot::master
