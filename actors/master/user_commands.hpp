#pragma once
// Commands of a user over the master's port (role USER, a web.users account): stop a
// build, cancel a pending request, shut a slave down gracefully, force a build. Each is
// authorised by web.authz as the web's button would be, becomes events (conditional
// appends, so a command racing with the build's end or the request's claim fails
// cleanly), and is answered once they are durable or with why not. What the user
// supplies is checked first (actors/intake/user_values.hpp): a forced build's branch,
// revision and properties must match the validation patterns.
//
// The port's I/O thread only hands a command over: it runs on the port's HandOver (its
// store reads and appends), and a forced build's wait for the scheduler is a request of
// a short-lived actor. The answer goes back through the connection when it is known.
#include <caf/actor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "actors/config/master_config.hpp"
#include "actors/intake/user_values.hpp"
#include "actors/master/forced_buildset.hpp"
#include "actors/port/hand_over.hpp"
#include "actors/port/port_server.hpp"
#include "store/event_log.hpp"

namespace caf {
class actor_system;
}

namespace eventbot::master {

// What events and master.log call a user who logged in without a name.
inline constexpr char kAnonymous[] = "anonymous";

// Whether `user` ("" for anonymous) may take `action` ("stop_build", ...) under `web`'s
// authz rules.
bool authorised(const config::WebConfig& web, const std::string& user, const std::string& action);

class UserCommands final : public port::ConnectionHandler {
 public:
  // `hand_over` runs the commands the port hands in (it outlives their use by the port).
  UserCommands(store::EventLog& log, std::string master_id, caf::actor_system& system,
               port::HandOver& hand_over);

  // The configuration in force (users, authz) and the supervisor (force builds).
  void configure(std::shared_ptr<const config::MasterConfig> config, caf::actor supervisor);

  void on_frame(const std::shared_ptr<port::Connection>& connection,
                const wire::Frame& frame) override;
  void on_refused(const std::string& remote, const wire::Hello& hello,
                  const std::string& reason) override;

  using Answer = std::function<void(wire::UserCommandResult)>;
  // Runs one command from `user` ("": anonymous) on the calling thread and returns its
  // answer; a forced build's comes later, through `later`, from an actor's thread.
  std::optional<wire::UserCommandResult> run(const std::string& user,
                                             const wire::UserCommand& command, const Answer& later);
  // The same; a forced build's answer also names what it submitted (the web's answer).
  using ForceAnswer = std::function<void(wire::UserCommandResult, ForcedBuildset)>;
  std::optional<wire::UserCommandResult> run(const std::string& user,
                                             const wire::UserCommand& command,
                                             const ForceAnswer& later);
  // The same, waiting for the answer (tests, without the port).
  wire::UserCommandResult run(const std::string& user, const wire::UserCommand& command);

 private:
  wire::UserCommandResult stop_build(const std::string& user, const wire::StopBuild& command);
  wire::UserCommandResult cancel_request(const std::string& user,
                                         const wire::CancelRequest& command);
  wire::UserCommandResult shutdown_slave(const std::string& user,
                                         const wire::ShutdownSlave& command,
                                         const config::MasterConfig& config);
  void force_build(const std::string& user, const wire::ForceBuild& command, ForceAnswer answer);
  // Appends one event of this master to `stream`, if the stream is still at `expected`
  // (when given): `fill` sets the event's body.
  store::StoreResult<store::AppendResult> append_one(
      const std::string& stream, std::optional<StreamVersion> expected,
      const std::function<void(events::Envelope&)>& fill);

  store::EventLog& log_;
  std::string master_id_;
  caf::actor_system& system_;
  port::HandOver& hand_over_;
  std::mutex mutex_;
  std::shared_ptr<const config::MasterConfig> config_;
  std::shared_ptr<const intake::Validation> validation_;  // config_'s validation patterns
  caf::actor supervisor_;
};

}  // namespace eventbot::master
