#pragma once
// Every message the master's actors exchange, in one place: atoms first, then the
// local-only payload types. The actors and what they answer:
//
//   supervisor   (init_atom, head) folds the log up to head -> "ok" or the reason; (events_atom, EventBatch) fans out;
//                (reconfig_atom, ConfigPtr) -> "ok" or the reason; (command_atom,
//                scheduler name, CommandPtr) -> forwards to that scheduler; (get_atom,
//                scheduler name) -> its actor, invalid if none runs (tests);
//                (restart_atom, kind, name) restarts a failed actor after its back-off.
//   scheduler    (events_atom, EventBatch) folds and decides; (timer_atom, name, due)
//                a timer it armed; (tick_atom) looks at timers against the clock now;
//                (command_atom, CommandPtr) -> "ok" or the reason, once decided.
//   change source (poll_atom) polls its repository now and appends what it found;
//                (poll_atom, timer_atom) the same, then arms the next poll.
#include <caf/all.hpp>
#include <memory>
#include <vector>

#include "actors/config/master_config.hpp"
#include "actors/schedulers/scheduler_core.hpp"
#include "events/events.pb.h"

namespace eventbot::master {

using init_atom = caf::atom_constant<caf::atom("init")>;
using events_atom = caf::atom_constant<caf::atom("events")>;
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using reconfig_atom = caf::atom_constant<caf::atom("reconfig")>;
using command_atom = caf::atom_constant<caf::atom("command")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;

// A batch of consecutive events from the log, shared by every actor it is sent to.
using EventBatch = std::shared_ptr<const std::vector<events::Envelope>>;
using ConfigPtr = std::shared_ptr<const config::MasterConfig>;
using CommandPtr = std::shared_ptr<const schedulers::Command>;

}  // namespace eventbot::master

// Local only: these never cross a process boundary (caf_io is not used).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbot::master::EventBatch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbot::master::ConfigPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbot::master::CommandPtr)
