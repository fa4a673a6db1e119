#include "actors/slaves/slave_hub.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>

#include "actors/messages/actors.hpp"
#include "events/streams.hpp"

namespace eventbot::slaves {

SlaveHub::SlaveHub(store::EventLog& log, std::string master_id, port::HandOver& hand_over,
                   Handlers others, std::chrono::milliseconds auth_failure_interval)
    : log_(log),
      master_id_(std::move(master_id)),
      hand_over_(hand_over),
      others_(std::move(others)),
      failures_(auth_failure_interval) {}

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
  caf::anon_send(actor, messages::connected_atom::value, messages::ConnectionPtr(connection));
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
  caf::anon_send(actor, messages::frame_atom::value, messages::ConnectionPtr(connection),
                 std::make_shared<const wire::Frame>(frame));
}

void SlaveHub::on_closed(const std::shared_ptr<port::Connection>& connection) {
  if (connection->peer().role != wire::SLAVE) {
    if (auto* handler = other(connection->peer().role)) handler->on_closed(connection);
    return;
  }
  if (auto actor = actor_of(connection->peer().name)) {
    caf::anon_send(actor, messages::closed_atom::value, messages::ConnectionPtr(connection));
  }
}

// The port has checked the name already: it is short and printable, or it was replaced
// by an escaped, cut rendering of what was offered.
void SlaveHub::on_refused(const std::string& remote, const wire::Hello& hello,
                          const std::string& reason) {
  const auto now = std::chrono::steady_clock::now();
  bool log_it = false;
  std::uint64_t left_out = 0;
  std::optional<AuthFailures::Record> now_record;
  {
    std::lock_guard lock(mutex_);
    log_it = refusal_lines_.allow(now);
    left_out = refusal_lines_.left_out();
    if (hello.role() == wire::SLAVE) {
      now_record =
          failures_.refused(actors_.count(hello.name()) > 0, hello.name(), remote, reason, now);
    }
  }
  if (log_it && left_out > 0) spdlog::warn("{} more refused logins not logged", left_out);
  if (hello.role() != wire::SLAVE) {
    if (!log_it) return;
    if (auto* handler = other(hello.role())) {
      handler->on_refused(remote, hello, reason);
    } else {
      spdlog::warn("refused '{}' from {}: {}", hello.name(), remote, reason);
    }
    return;
  }
  if (log_it) spdlog::warn("refused slave '{}' from {}: {}", hello.name(), remote, reason);
  if (now_record) record(*now_record);
}

void SlaveHub::on_tick(std::chrono::steady_clock::time_point now) {
  std::vector<AuthFailures::Record> due;
  {
    std::lock_guard lock(mutex_);
    due = failures_.due(now);
  }
  for (const auto& refused : due) {
    spdlog::warn("{} more refused slave login(s) as '{}'{} (the last from {}): {}", refused.count,
                 refused.name,
                 refused.other_names.empty()
                     ? std::string()
                     : " and " + std::to_string(refused.other_names.size()) + " other name(s)",
                 refused.peer, refused.reason);
    record(refused);
  }
}

std::size_t SlaveHub::auth_failure_buckets() {
  std::lock_guard lock(mutex_);
  return failures_.buckets();
}

void SlaveHub::record(const AuthFailures::Record& refused) {
  store::AppendRequest request;
  auto& event = request.events.emplace_back();
  // A name the configuration does not have makes no stream of its own.
  event.set_stream(refused.known ? streams::slave(refused.name) : streams::master(master_id_));
  event.set_master_id(master_id_);
  auto* body = event.mutable_slave_auth_failed();
  body->set_slave(refused.name);
  body->set_peer(refused.peer);
  body->set_reason(refused.reason);
  body->set_count(refused.count);
  body->set_suppressed(refused.count > 0 ? refused.count - 1 : 0);
  for (const auto& name : refused.other_names) body->add_other_names(name);
  // Appended off the I/O thread. The records are aggregated (a few a minute), so a full
  // hand-over loses at most those few, and says so.
  auto shared = std::make_shared<store::AppendRequest>(std::move(request));
  const bool handed = hand_over_.post([this, shared] {
    if (auto appended = log_.append(std::move(*shared)); !appended) {
      spdlog::error("recording a refused slave failed: {}", appended.error().message);
    }
  });
  if (!handed) {
    spdlog::error("recording a refused slave as '{}' skipped: {} requests wait for the store",
                  refused.name, hand_over_.capacity());
  }
}

}  // namespace eventbot::slaves
