#include "actors/slaves/slave_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/messages/errors.hpp"
#include "common/bounded_text.hpp"
#include "events/streams.hpp"

namespace eventbot::slaves {
namespace {

using Self = caf::stateful_actor<SlaveActorState>;
using namespace master;

void append(Self* self, events::Envelope event) {
  auto& st = self->state;
  event.set_stream(streams::slave(st.config.name));
  event.set_master_id(st.context.master_id);
  store::AppendRequest request;
  request.events.push_back(std::move(event));
  if (auto appended = st.context.log->append(std::move(request)); !appended) {
    spdlog::error("slave {}: recording an event failed: {}", st.config.name,
                  appended.error().message);
  }
}

// What a slave says about itself is bounded before it enters an event or a log line:
// an agent (or whoever holds its password) decides these texts.
constexpr std::size_t kInfoTextBytes = 1024;  // host, admin, os
constexpr std::size_t kVersionBytes = 64;
constexpr std::size_t kShownBytes = 200;  // a slave's text in a log line

std::string shown(const std::string& text) {
  return printable_text(text, kShownBytes);
}

void send(const ConnectionPtr& connection, wire::Frame frame) {
  if (connection) connection->send(std::move(frame));
}

wire::Frame settings_frame(const SlaveContext& context) {
  wire::Frame frame;
  auto* settings = frame.mutable_slave_settings();
  for (const auto& [builder, dir] : context.builder_dirs) {
    (*settings->mutable_builder_dirs())[builder] = dir;
  }
  const auto& t = context.timings;
  settings->set_chunk_bytes(t.chunk_bytes);
  settings->set_flush_ms(t.flush_ms);
  settings->set_window_bytes(t.window_bytes);
  settings->set_heartbeat_ms(static_cast<std::uint32_t>(t.heartbeat.count()));
  settings->set_dead_after_ms(static_cast<std::uint32_t>(t.dead_after.count()));
  return frame;
}

// The slave told us who it is: record it, tell it how to work, and settle the commands
// it still runs (resume those a build waits for, abandon the others).
void on_info(Self* self, const wire::SlaveInfo& info) {
  auto& st = self->state;
  st.info = info;
  st.attached = true;
  events::Envelope event;
  auto* body = event.mutable_slave_attached();
  body->set_slave(st.config.name);
  body->set_host(bounded_utf8(info.host(), kInfoTextBytes));
  body->set_admin(bounded_utf8(info.admin(), kInfoTextBytes));
  body->set_os(bounded_utf8(info.os(), kInfoTextBytes));
  body->set_cpus(info.cpus());
  body->set_version(bounded_utf8(info.version(), kVersionBytes));
  body->set_master_id(st.context.master_id);
  body->set_peer(st.connection->remote());
  append(self, std::move(event));
  send(st.connection, settings_frame(st.context));
  spdlog::info("slave {} attached from {} ({}, {} cpus)", st.config.name, st.connection->remote(),
               shown(info.os()), info.cpus());
  for (const auto& running : info.running()) {
    auto route = st.commands.find(running.command_id());
    wire::Frame frame;
    if (route != st.commands.end()) {
      route->second.waiting_resume = false;
      frame.mutable_resume_command()->set_command_id(running.command_id());
      frame.mutable_resume_command()->set_acked_seq(route->second.acked);
      spdlog::info("slave {}: resuming command {} after update {}", st.config.name,
                   shown(running.command_id()), route->second.acked);
    } else {
      frame.mutable_abandon_command()->set_command_id(running.command_id());
      frame.mutable_abandon_command()->set_why("no build waits for it any more");
      spdlog::info("slave {}: abandoning command {}", st.config.name, shown(running.command_id()));
    }
    send(st.connection, std::move(frame));
  }
  // Commands the slave no longer has (it restarted) are lost now, not after the grace.
  for (auto it = st.commands.begin(); it != st.commands.end();) {
    bool listed = false;
    for (const auto& running : info.running()) listed |= running.command_id() == it->first;
    if (listed) {
      ++it;
      continue;
    }
    self->send(it->second.build, lost_atom::value, it->first);
    it = st.commands.erase(it);
  }
}

void detach(Self* self, const std::string& reason) {
  auto& st = self->state;
  const bool was_attached = st.attached;
  st.connection.reset();
  st.attached = false;
  ++st.epoch;
  if (!was_attached) return;
  events::Envelope event;
  event.mutable_slave_detached()->set_slave(st.config.name);
  event.mutable_slave_detached()->set_reason(reason);
  append(self, std::move(event));
  spdlog::info("slave {} detached: {}", st.config.name, reason);
  if (!st.commands.empty()) {
    self->delayed_send(self, st.context.timings.grace, grace_atom::value, st.epoch);
  }
  if (!st.config.notify_on_missing.empty() && st.config.missing_timeout > 0) {
    self->delayed_send(self, std::chrono::seconds(st.config.missing_timeout), missing_atom::value,
                       st.epoch);
  }
}

void use_connection(Self* self, const ConnectionPtr& connection) {
  auto& st = self->state;
  st.connection = connection;
  st.attached = false;
  st.last_frame = std::chrono::steady_clock::now();
  ++st.epoch;
}

// The second connection won: it is the one in use now.
void take_challenger(Self* self, const ConnectionPtr& challenger) {
  auto& st = self->state;
  use_connection(self, challenger);
  if (auto info = std::exchange(st.challenger_info, std::nullopt)) on_info(self, *info);
}

// A frame from the connection in use.
void on_frame(Self* self, const wire::Frame& frame) {
  auto& st = self->state;
  using B = wire::Frame::BodyCase;
  switch (frame.body_case()) {
    case B::kSlaveInfo:
      on_info(self, frame.slave_info());
      return;
    case B::kCommandUpdate: {
      auto route = st.commands.find(frame.command_update().command_id());
      if (route == st.commands.end()) {
        spdlog::warn("slave {}: an update for unknown command '{}' (ignored)", st.config.name,
                     shown(frame.command_update().command_id()));
        return;
      }
      self->send(route->second.build, update_atom::value,
                 std::make_shared<const wire::Frame>(frame));
      return;
    }
    case B::kDataAck: {
      auto route = st.commands.find(frame.data_ack().command_id());
      if (route != st.commands.end()) {
        self->send(route->second.build, data_ack_atom::value, frame.data_ack().command_id(),
                   frame.data_ack().seq());
      }
      return;
    }
    case B::kPing: {
      wire::Frame pong;
      pong.mutable_pong()->set_nonce(frame.ping().nonce());
      send(st.connection, std::move(pong));
      return;
    }
    case B::kPong:
      return;
    case B::kShutdownRequested: {
      spdlog::info("slave {} asks for a graceful shutdown: {}", st.config.name,
                   shown(frame.shutdown_requested().why()));
      events::Envelope event;
      event.mutable_slave_shutdown_requested()->set_slave(st.config.name);
      event.mutable_slave_shutdown_requested()->set_who("slave");
      append(self, std::move(event));
      st.shutting_down = true;
      return;
    }
    default:
      spdlog::warn("slave {}: unexpected message (field {}) from {}; closing the connection",
                   st.config.name, static_cast<int>(frame.body_case()), st.connection->remote());
      st.connection->close("unexpected message");
      return;
  }
}

}  // namespace

caf::behavior slave_actor(Self* self, config::SlaveConfig config, SlaveContext context) {
  self->state.config = std::move(config);
  self->state.context = std::move(context);
  self->send(self, tick_atom::value);
  self->set_exit_handler([=](caf::exit_msg& exit) {
    auto& st = self->state;
    if (st.connection) st.connection->close("the master is stopping");
    if (st.challenger) st.challenger->close("the master is stopping");
    self->quit(exit.reason);
  });
  return {
      [=](connected_atom, const ConnectionPtr& connection) {
        auto& st = self->state;
        if (!st.connection) {
          use_connection(self, connection);
          return;
        }
        // A second connection: the first one may be a ghost whose TCP never closed.
        // Ping it; if it answers in time it stays and the newcomer is refused.
        if (st.challenger) st.challenger->close("another connection is being checked");
        st.challenger = connection;
        st.challenger_info.reset();
        st.old_answered = false;
        wire::Frame ping;
        ping.mutable_ping()->set_nonce(++st.nonce);
        send(st.connection, std::move(ping));
        spdlog::info("slave {}: a second connection from {}; checking the one from {}",
                     st.config.name, connection->remote(), st.connection->remote());
        self->delayed_send(self, st.context.timings.arbitrate, arbitrate_atom::value, st.epoch);
      },
      [=](arbitrate_atom, std::uint64_t epoch) {
        auto& st = self->state;
        if (!st.challenger) return;
        auto challenger = std::exchange(st.challenger, nullptr);
        if (epoch == st.epoch && st.old_answered && st.connection) {
          spdlog::warn(
              "slave {}: refusing the duplicate connection from {}: the connection "
              "from {} is alive",
              st.config.name, challenger->remote(), st.connection->remote());
          wire::Frame refused;
          refused.mutable_refused()->set_reason("slave '" + st.config.name +
                                                "' is already connected");
          challenger->send(std::move(refused));
          challenger->close("duplicate slave connection");
          return;
        }
        if (st.connection) {
          auto old = st.connection;
          detach(self, "replaced by a new connection from " + challenger->remote());
          old->close("replaced by a new connection");
        }
        take_challenger(self, challenger);
      },
      [=](frame_atom, const ConnectionPtr& connection, const FramePtr& frame) {
        auto& st = self->state;
        if (connection == st.connection) {
          st.last_frame = std::chrono::steady_clock::now();
          if (st.challenger) st.old_answered = true;
          on_frame(self, *frame);
        } else if (connection == st.challenger) {
          // Its SlaveInfo waits for the arbitration to decide whether it is used.
          if (frame->has_slave_info()) st.challenger_info = frame->slave_info();
        } else {
          connection->close("not this slave's connection");
        }
      },
      [=](closed_atom, const ConnectionPtr& connection) {
        auto& st = self->state;
        if (connection == st.challenger) {
          st.challenger.reset();
        } else if (connection == st.connection) {
          detach(self, "connection closed");
          if (st.challenger) take_challenger(self, std::exchange(st.challenger, nullptr));
        }
      },
      [=](tick_atom) {
        auto& st = self->state;
        if (st.connection) {
          auto silent = std::chrono::steady_clock::now() - st.last_frame;
          if (silent > st.context.timings.dead_after) {
            auto connection = st.connection;
            detach(self, "no heartbeat for " +
                             std::to_string(
                                 std::chrono::duration_cast<std::chrono::seconds>(silent).count()) +
                             " s");
            connection->close("no heartbeat");
            // A second connection waiting for the arbitration has its answer: the old
            // one is dead. (Its close comes back for a connection no longer in use.)
            if (st.challenger) take_challenger(self, std::exchange(st.challenger, nullptr));
          } else {
            wire::Frame ping;
            ping.mutable_ping()->set_nonce(++st.nonce);
            send(st.connection, std::move(ping));
          }
        }
        self->delayed_send(self, st.context.timings.heartbeat, tick_atom::value);
      },
      [=](run_atom, const FramePtr& start, const caf::actor& build) -> caf::result<void> {
        auto& st = self->state;
        if (!st.connection || !st.attached) {
          return make_error(ec::refused, "slave '" + st.config.name + "' is not attached");
        }
        const auto& id = start->start_command().command_id();
        st.commands[id] = CommandRoute{build, 0, false};
        send(st.connection, *start);
        return caf::unit;
      },
      [=](ack_atom, const std::string& command_id, std::uint64_t seq, bool complete) {
        auto& st = self->state;
        auto route = st.commands.find(command_id);
        if (route == st.commands.end()) return;
        route->second.acked = std::max(route->second.acked, seq);
        wire::Frame ack;
        ack.mutable_update_ack()->set_command_id(command_id);
        ack.mutable_update_ack()->set_seq(seq);
        send(st.connection, std::move(ack));
        if (complete) st.commands.erase(route);
      },
      [=](interrupt_atom, const std::string& command_id, const std::string& why) {
        wire::Frame frame;
        frame.mutable_interrupt_command()->set_command_id(command_id);
        frame.mutable_interrupt_command()->set_why(why);
        send(self->state.connection, std::move(frame));
      },
      [=](data_atom, const FramePtr& data) { send(self->state.connection, *data); },
      // A build missed an update: the slave resends its buffer after `acked`.
      [=](resend_atom, const std::string& command_id, std::uint64_t acked) {
        auto& st = self->state;
        if (!st.attached || !st.commands.count(command_id)) return;
        wire::Frame frame;
        frame.mutable_resume_command()->set_command_id(command_id);
        frame.mutable_resume_command()->set_acked_seq(acked);
        send(st.connection, std::move(frame));
      },
      [=](expect_atom, const std::string& command_id, const caf::actor& build,
          std::uint64_t acked) {
        auto& st = self->state;
        st.commands[command_id] = CommandRoute{build, acked, true};
        if (!st.attached) {
          // Not connected yet: it has the grace period to come back.
          self->delayed_send(self, st.context.timings.grace, grace_atom::value, st.epoch);
          return;
        }
        for (const auto& running : st.info.running()) {
          if (running.command_id() != command_id) continue;
          wire::Frame frame;
          frame.mutable_resume_command()->set_command_id(command_id);
          frame.mutable_resume_command()->set_acked_seq(acked);
          st.commands[command_id].waiting_resume = false;
          send(st.connection, std::move(frame));
          return;
        }
        self->send(build, lost_atom::value, command_id);
        st.commands.erase(command_id);
      },
      [=](grace_atom, std::uint64_t epoch) {
        auto& st = self->state;
        if (epoch != st.epoch || st.attached) return;  // it came back meanwhile
        for (auto& [id, route] : st.commands) self->send(route.build, lost_atom::value, id);
        if (!st.commands.empty()) {
          spdlog::warn(
              "slave {} did not come back within {} s: {} command(s) lost", st.config.name,
              std::chrono::duration_cast<std::chrono::seconds>(st.context.timings.grace).count(),
              st.commands.size());
        }
        st.commands.clear();
      },
      [=](missing_atom, std::uint64_t epoch) {
        auto& st = self->state;
        if (epoch != st.epoch || st.connection) return;
        events::Envelope event;
        event.mutable_slave_missing()->set_slave(st.config.name);
        event.mutable_slave_missing()->set_last_seen_us(
            std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count() -
            st.config.missing_timeout * 1'000'000);
        append(self, std::move(event));
        spdlog::warn("slave {} is missing (gone for {} s)", st.config.name,
                     st.config.missing_timeout);
      },
      // The supervisor retires this actor (a reconfig changed or removed the slave):
      // the connection is closed with the reason, so that both logs say what happened.
      [=](stop_atom, const std::string& why) {
        auto& st = self->state;
        spdlog::info("slave {}: {}", st.config.name, why);
        auto connection = st.connection;
        if (connection) {
          detach(self, why);
          connection->close(why);
        }
        if (st.challenger) std::exchange(st.challenger, nullptr)->close(why);
        self->quit(caf::exit_reason::user_shutdown);
      },
      // The distributor saw a graceful shutdown asked for and no build left on the slave.
      [=](shutdown_atom, const std::string& why) {
        auto& st = self->state;
        st.shutting_down = true;
        spdlog::info("slave {}: telling it to shut down ({})", st.config.name, why);
        wire::Frame frame;
        frame.mutable_shutdown()->set_why(why);
        send(st.connection, std::move(frame));
      },
  };
}

}  // namespace eventbot::slaves
