#pragma once
// Records the changes that `eventbot sendchange` submits: each is checked (text, limits
// and the master's validation patterns: actors/intake/user_values.hpp), appended to the
// `changes` stream and acknowledged with its change id only once it is durable.
// The port's I/O thread checks the change; the append and the answer run on the port's
// HandOver, so a slow store never holds the I/O thread (and every slave's heartbeats).
#include <memory>
#include <mutex>
#include <string>

#include "actors/changes/submitted_change.hpp"
#include "actors/config/master_config.hpp"
#include "actors/intake/user_values.hpp"
#include "actors/port/hand_over.hpp"
#include "actors/port/port_server.hpp"
#include "store/event_log.hpp"

namespace eventbot::changes {

class ChangeIntake final : public port::ConnectionHandler {
 public:
  // Until configure() is called, Buildbot's default validation patterns hold.
  // `hand_over` runs the appends (it outlives this handler's use by the port).
  ChangeIntake(store::EventLog& log, std::string master_id, port::HandOver& hand_over);

  // The validation patterns of the configuration in force (at start and each reconfig).
  void configure(const config::InputValidation& patterns);

  void on_frame(const std::shared_ptr<port::Connection>& connection,
                const wire::Frame& frame) override;
  void on_refused(const std::string& remote, const wire::Hello& hello,
                  const std::string& reason) override;

 private:
  store::EventLog& log_;
  std::string master_id_;
  port::HandOver& hand_over_;
  std::mutex mutex_;
  std::shared_ptr<const intake::Validation> validation_;
};

}  // namespace eventbot::changes
