#include "actors/changes/change_intake.hpp"

#include <spdlog/spdlog.h>

namespace eventbot::changes {

namespace {

std::shared_ptr<const intake::Validation> compiled(const config::InputValidation& patterns) {
  auto validation = intake::Validation::compile(patterns);
  if (!validation) {
    // master.yaml's patterns were compiled when it was read: this cannot happen with a
    // configuration that loaded; keep Buildbot's rather than accept anything.
    spdlog::error("sendchange: {}; using the default validation patterns", validation.error());
    return std::make_shared<const intake::Validation>(
        *intake::Validation::compile(config::InputValidation{}));
  }
  return std::make_shared<const intake::Validation>(std::move(*validation));
}

}  // namespace

ChangeIntake::ChangeIntake(store::EventLog& log, std::string master_id)
    : log_(log), master_id_(std::move(master_id)), validation_(compiled({})) {}

void ChangeIntake::configure(const config::InputValidation& patterns) {
  auto validation = compiled(patterns);
  std::lock_guard lock(mutex_);
  validation_ = std::move(validation);
}

void ChangeIntake::on_frame(const std::shared_ptr<port::Connection>& connection,
                            const wire::Frame& frame) {
  auto reply_error = [&](const std::string& message) {
    wire::Frame error;
    error.mutable_error()->set_message(message);
    connection->send(std::move(error));
  };
  if (connection->peer().role != wire::CHANGE_SENDER || !frame.has_submit_change()) {
    reply_error("unexpected message for a change sender");
    connection->close("unexpected message");
    return;
  }
  const auto& change = frame.submit_change().change();
  std::shared_ptr<const intake::Validation> validation;
  {
    std::lock_guard lock(mutex_);
    validation = validation_;
  }
  if (auto valid = validate_change(*validation, change); !valid) {
    spdlog::warn("change from {} ({}) refused: {}", connection->peer().name, connection->remote(),
                 valid.error());
    return reply_error("change refused: " + valid.error());
  }

  auto appended = log_.append(record_change_request(change, connection->peer().name, master_id_));
  if (!appended) {
    spdlog::error("recording a change from {} failed: {}", connection->remote(),
                  appended.error().message);
    return reply_error("the master could not record the change: " + appended.error().message);
  }
  wire::Frame answer;
  answer.mutable_change_recorded()->set_sequence(appended->first.value());
  answer.mutable_change_recorded()->set_change_id(appended->versions.front().value());
  spdlog::info("change {} recorded from {} ({})", answer.change_recorded().change_id(),
               connection->peer().name, connection->remote());
  connection->send(std::move(answer));
}

void ChangeIntake::on_refused(const std::string& remote, const wire::Hello& hello,
                              const std::string& reason) {
  spdlog::warn("refused {} '{}' from {}: {}",
               hello.role() == wire::SLAVE ? "slave" : "change sender", hello.name(), remote,
               reason);
}

}  // namespace eventbot::changes
