#pragma once
// Records the changes that `eventbot sendchange` submits: each is appended to the
// `changes` stream and acknowledged with its change id only once it is durable.
#include <memory>
#include <string>

#include "actors/port/port_server.hpp"
#include "store/event_log.hpp"

namespace eventbot::changes {

// Checks a submitted change; the reason names the first problem.
Expected<Ok, std::string> validate_change(const events::ChangeAdded& change);

// The append that records one change from `sender`; time_us is the store's stamp.
store::AppendRequest record_change_request(events::ChangeAdded change, const std::string& sender,
                                           const std::string& master_id);

class ChangeIntake final : public port::ConnectionHandler {
 public:
  ChangeIntake(store::EventLog& log, std::string master_id)
      : log_(log), master_id_(std::move(master_id)) {}

  void on_frame(const std::shared_ptr<port::Connection>& connection,
                const wire::Frame& frame) override;
  void on_refused(const std::string& remote, const wire::Hello& hello,
                  const std::string& reason) override;

 private:
  store::EventLog& log_;
  std::string master_id_;
};

}  // namespace eventbot::changes
