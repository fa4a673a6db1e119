#include "actors/slaves/slave_hub.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>

#include "actors/master/actors.hpp"
#include "events/streams.hpp"

namespace eventbot::slaves {

SlaveHub::SlaveHub(store::EventLog& log, std::string master_id, Handlers others)
    : log_(log), master_id_(std::move(master_id)), others_(std::move(others)) {}

port::ConnectionHandler* SlaveHub::other(wire::Role role) const {
  auto it = others_.find(role);
  return it == others_.end() ? nullptr : it->second.get();
}

void SlaveHub::set_actor(const std::string& slave, caf::actor actor) {
  std::lock_guard lock(mutex_);
  actors_[slave] = std::move(actor);
}

void SlaveHub::remove_actor(const std::string& slave) {
  std::lock_guard lock(mutex_);
  actors_.erase(slave);
}

caf::actor SlaveHub::actor_of(const std::string& slave) {
  std::lock_guard lock(mutex_);
  auto it = actors_.find(slave);
  return it == actors_.end() ? caf::actor() : it->second;
}

void SlaveHub::on_authenticated(const std::shared_ptr<port::Connection>& connection) {
  if (connection->peer().role != wire::SLAVE) {
    if (auto* handler = other(connection->peer().role)) handler->on_authenticated(connection);
    return;
  }
  auto actor = actor_of(connection->peer().name);
  if (!actor) {
    // Its account exists (it authenticated) but the actor does not yet or no longer.
    connection->close("the master has no slave named '" + connection->peer().name + "' running");
    return;
  }
  caf::anon_send(actor, master::connected_atom::value, master::ConnectionPtr(connection));
}

void SlaveHub::on_frame(const std::shared_ptr<port::Connection>& connection,
                        const wire::Frame& frame) {
  if (connection->peer().role != wire::SLAVE) {
    if (auto* handler = other(connection->peer().role)) {
      handler->on_frame(connection, frame);
    } else {
      connection->close("no handler for this role");
    }
    return;
  }
  auto actor = actor_of(connection->peer().name);
  if (!actor) {
    connection->close("slave '" + connection->peer().name + "' was removed");
    return;
  }
  caf::anon_send(actor, master::frame_atom::value, master::ConnectionPtr(connection),
                 std::make_shared<const wire::Frame>(frame));
}

void SlaveHub::on_closed(const std::shared_ptr<port::Connection>& connection) {
  if (connection->peer().role != wire::SLAVE) {
    if (auto* handler = other(connection->peer().role)) handler->on_closed(connection);
    return;
  }
  if (auto actor = actor_of(connection->peer().name)) {
    caf::anon_send(actor, master::closed_atom::value, master::ConnectionPtr(connection));
  }
}

void SlaveHub::on_refused(const std::string& remote, const wire::Hello& hello,
                          const std::string& reason) {
  if (hello.role() != wire::SLAVE) {
    if (auto* handler = other(hello.role())) {
      handler->on_refused(remote, hello, reason);
    } else {
      spdlog::warn("refused '{}' from {}: {}", hello.name(), remote, reason);
    }
    return;
  }
  spdlog::warn("refused slave '{}' from {}: {}", hello.name(), remote, reason);
  std::uint32_t suppressed = 0;
  {
    std::lock_guard lock(mutex_);
    auto& failures = failures_[hello.name()];
    const auto now = std::chrono::steady_clock::now();
    if (failures.last_recorded != std::chrono::steady_clock::time_point{} &&
        now - failures.last_recorded < kAuthFailureEvery) {
      ++failures.suppressed;
      return;
    }
    failures.last_recorded = now;
    suppressed = std::exchange(failures.suppressed, 0);
  }
  store::AppendRequest request;
  auto& event = request.events.emplace_back();
  event.set_stream(streams::slave(hello.name()));
  event.set_master_id(master_id_);
  auto* body = event.mutable_slave_auth_failed();
  body->set_slave(hello.name());
  body->set_peer(remote);
  body->set_reason(reason);
  body->set_suppressed(suppressed);
  if (auto appended = log_.append(std::move(request)); !appended) {
    spdlog::error("recording a refused slave failed: {}", appended.error().message);
  }
}

}  // namespace eventbot::slaves
