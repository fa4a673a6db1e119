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

ChangeIntake::ChangeIntake(store::EventLog& log, std::string master_id, port::HandOver& hand_over)
    : log_(log),
      master_id_(std::move(master_id)),
      hand_over_(hand_over),
      validation_(compiled({})) {}

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

  // Checked here; recorded and answered off the I/O thread, in the order submitted.
  auto request = std::make_shared<store::AppendRequest>(
      record_change_request(change, connection->peer().name, master_id_));
  const bool handed = hand_over_.post([this, connection, request] {
    auto appended = log_.append(std::move(*request));
    wire::Frame answer;
    if (!appended) {
      spdlog::error("recording a change from {} failed: {}", connection->remote(),
                    appended.error().message);
      answer.mutable_error()->set_message("the master could not record the change: " +
                                          appended.error().message);
      connection->send(std::move(answer));
      return;
    }
    answer.mutable_change_recorded()->set_sequence(appended->first.value());
    answer.mutable_change_recorded()->set_change_id(appended->versions.front().value());
    spdlog::info("change {} recorded from {} ({})", answer.change_recorded().change_id(),
                 connection->peer().name, connection->remote());
    connection->send(std::move(answer));
  });
  if (!handed) {
    spdlog::warn("change from {} ({}) refused: {} requests wait for the store",
                 connection->peer().name, connection->remote(), hand_over_.capacity());
    reply_error("the master is busy (" + std::to_string(hand_over_.capacity()) +
                " requests wait for its store); try again later");
  }
}

void ChangeIntake::on_refused(const std::string& remote, const wire::Hello& hello,
                              const std::string& reason) {
  spdlog::warn("refused {} '{}' from {}: {}",
               hello.role() == wire::SLAVE ? "slave" : "change sender", hello.name(), remote,
               reason);
}

}  // namespace eventbot::changes
