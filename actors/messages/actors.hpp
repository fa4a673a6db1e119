#pragma once
// Every message the master's actors exchange, in one place (a folder of its own, so that
// actors/master and actors/slaves both include it and neither includes the other): atoms first,
// then the local-only payload types; the ids that cross actors have types of their own
// (ids.hpp). Replies that fail carry an `eventbot::ec` error
// (errors.hpp); deadlines are in defaults.hpp. The actors and what they answer:
//
//   supervisor   (init_atom, head) folds the log up to head -> nothing, or an ec error;
//                (events_atom, EventBatch) fans out;
//                (reconfig_atom, ConfigPtr) -> nothing, or an ec error; (command_atom,
//                scheduler name, CommandPtr) -> forwards to that scheduler; (get_atom,
//                scheduler name) -> its actor, invalid if none runs (tests);
//                (restart_atom, kind, name) restarts a failed actor after its back-off.
//   scheduler    (events_atom, EventBatch) folds and decides; (timer_atom, name, due)
//                a timer it armed; (tick_atom) looks at timers against the clock now;
//                (command_atom, CommandPtr) -> nothing, or an ec error, once decided.
//   change source (poll_atom) polls its repository now and appends what it found;
//                (poll_atom, timer_atom) the same, then arms the next poll.
//   slave        (connected_atom, ConnectionPtr) a new authenticated connection;
//                (frame_atom, ConnectionPtr, FramePtr) a frame from it; (closed_atom,
//                ConnectionPtr) it closed; (run_atom, StartCommandPtr, build) -> nothing, or
//                ec::refused when not attached, then (update_atom, UpdatePtr) to the
//                build for each update; (ack_atom, command id, seq) from the build once
//                an update is durable;
//                (interrupt_atom, command id, why); (data_atom, DataPtr) download data,
//                answered (data_ack_atom, command id, seq) to the build; (expect_atom,
//                command id, build, acked seq) a command a recovering build waits for;
//                (shutdown_atom, who) graceful shutdown; (tick_atom) heartbeat;
//                (resend_atom, command id, acked) asks the slave to resend after acked.
//                A build whose slave is gone past the grace period gets (lost_atom, id).
//   distributor  (init_atom, head) folds and starts; (events_atom, EventBatch) folds,
//                completes buildsets, grants locks, starts builds; (lock_atom, WaiterId
//                (builder, number, step or -1), LockUses, SlaveName) -> nothing once
//                granted, or an ec error (ec::timeout: still queued, ask again;
//                ec::cancelled: released while waiting; ec::refused: not grantable);
//                (release_atom, WaiterId) gives them back (or stops waiting).
//   build        (update_atom, FramePtr) an update of its command; (lost_atom, id) its
//                slave is gone; (data_ack_atom, id, seq); (stop_atom, who, reason);
//                (buildset_done_atom, BuildsetId, result) for triggers it waits on; (record_atom)
//                records its end again after the store refused it; (unpacked_atom, error)
//                a directory upload's tar ended ("" or why it failed).
#include <caf/all.hpp>
#include <memory>
#include <vector>

#include "actors/config/master_config.hpp"
#include "actors/messages/ids.hpp"
#include "actors/port/port_server.hpp"
#include "actors/schedulers/scheduler_core.hpp"
#include "events/events.pb.h"
#include "events/wire.pb.h"

namespace eventbot::messages {

using init_atom = caf::atom_constant<caf::atom("init")>;
using events_atom = caf::atom_constant<caf::atom("events")>;
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using reconfig_atom = caf::atom_constant<caf::atom("reconfig")>;
using command_atom = caf::atom_constant<caf::atom("command")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using connected_atom = caf::atom_constant<caf::atom("connected")>;
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
using update_atom = caf::atom_constant<caf::atom("update")>;
using ack_atom = caf::atom_constant<caf::atom("ack")>;
using interrupt_atom = caf::atom_constant<caf::atom("interrupt")>;
using data_atom = caf::atom_constant<caf::atom("data")>;
using data_ack_atom = caf::atom_constant<caf::atom("dataack")>;
using expect_atom = caf::atom_constant<caf::atom("expect")>;
using lost_atom = caf::atom_constant<caf::atom("lost")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using arbitrate_atom = caf::atom_constant<caf::atom("arbitrate")>;
using missing_atom = caf::atom_constant<caf::atom("missing")>;
using grace_atom = caf::atom_constant<caf::atom("grace")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using buildset_done_atom = caf::atom_constant<caf::atom("bsdone")>;
using lock_atom = caf::atom_constant<caf::atom("lock")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using step_done_atom = caf::atom_constant<caf::atom("stepdone")>;
using trigger_atom = caf::atom_constant<caf::atom("trigger")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using record_atom = caf::atom_constant<caf::atom("record")>;
using resend_atom = caf::atom_constant<caf::atom("resend")>;
using unpacked_atom = caf::atom_constant<caf::atom("unpacked")>;
// Distributor: (lock_renew_atom) its timer answering lock waits it cannot grant yet.
using lock_renew_atom = caf::atom_constant<caf::atom("lockrenew")>;
// Build: (adopt_atom, distributor) a restarted distributor took the live build over.
using adopt_atom = caf::atom_constant<caf::atom("adopt")>;

// A batch of consecutive events from the log, shared by every actor it is sent to.
using EventBatch = std::shared_ptr<const std::vector<events::Envelope>>;
using ConfigPtr = std::shared_ptr<const config::MasterConfig>;
using CommandPtr = std::shared_ptr<const schedulers::Command>;
using ConnectionPtr = std::shared_ptr<port::Connection>;
using FramePtr = std::shared_ptr<const wire::Frame>;
using LockUses = std::shared_ptr<const std::vector<config::LockUse>>;

}  // namespace eventbot::messages

// The master's actors use these names unqualified.
namespace eventbot::master {
using namespace eventbot::messages;
}  // namespace eventbot::master

// Local only: these never cross a process boundary (caf_io is not used).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbot::messages::EventBatch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbot::messages::ConfigPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbot::messages::CommandPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbot::messages::ConnectionPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbot::messages::FramePtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbot::messages::LockUses)
