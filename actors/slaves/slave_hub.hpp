#pragma once
// Where the master's port hands slave connections to the slave actors: it routes each
// authenticated connection, its frames and its end to the actor of the slave it
// authenticated as (other roles' connections go to their own handlers: the change
// intake for `eventbot sendchange`, the user commands), and
// records refused slaves as SlaveAuthFailed, aggregated per minute (AuthFailures): at
// most two records a minute per configured slave and two for all other names together.
// Refusals are logged at most 20 times per 10 s; the lines left out are counted.
//
// The port's I/O thread calls it; the supervisor registers the actors (any thread). It
// only routes: the refused-slave records are appended on the port's HandOver.
#include <caf/actor.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "actors/port/hand_over.hpp"
#include "actors/port/log_gate.hpp"
#include "actors/port/port_server.hpp"
#include "actors/slaves/auth_failures.hpp"
#include "store/event_log.hpp"

namespace eventbot::slaves {

class SlaveHub final : public port::ConnectionHandler {
 public:
  using Handlers = std::map<wire::Role, std::shared_ptr<port::ConnectionHandler>>;
  SlaveHub(store::EventLog& log, std::string master_id, port::HandOver& hand_over, Handlers others,
           std::chrono::milliseconds auth_failure_interval = kAuthFailureEvery);

  void set_actor(const std::string& slave, caf::actor actor);
  void remove_actor(const std::string& slave);
  // The slave's actor; invalid if none runs.
  caf::actor actor_of(const std::string& slave);

  void on_authenticated(const std::shared_ptr<port::Connection>& connection) override;
  void on_frame(const std::shared_ptr<port::Connection>& connection,
                const wire::Frame& frame) override;
  void on_refused(const std::string& remote, const wire::Hello& hello,
                  const std::string& reason) override;
  void on_closed(const std::shared_ptr<port::Connection>& connection) override;
  // Records the aggregated refusals whose interval is over.
  void on_tick(std::chrono::steady_clock::time_point now) override;

  // The interval refused slaves are aggregated over.
  static constexpr std::chrono::seconds kAuthFailureEvery{60};
  // Entries in the table of refusals (at most AuthFailures::kMaxBuckets).
  std::size_t auth_failure_buckets();

 private:
  store::EventLog& log_;
  std::string master_id_;
  port::HandOver& hand_over_;
  port::ConnectionHandler* other(wire::Role role) const;

  Handlers others_;
  std::mutex mutex_;
  std::map<std::string, caf::actor> actors_;
  void record(const AuthFailures::Record& refused);

  AuthFailures failures_;                                      // under mutex_
  port::LogGate refusal_lines_{std::chrono::seconds(10), 20};  // under mutex_
};

}  // namespace eventbot::slaves
