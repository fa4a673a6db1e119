#include "actors/changes/change_intake.hpp"

#include <spdlog/spdlog.h>

#include "events/streams.hpp"

namespace eventbot::changes {

Expected<Ok, std::string> validate_change(const events::ChangeAdded& change) {
  if (change.who().empty()) return unexpected(std::string("a change needs a 'who'"));
  for (const auto& file : change.files()) {
    if (file.empty()) return unexpected(std::string("a change names an empty file path"));
  }
  for (const auto& property : change.properties()) {
    if (property.name().empty()) return unexpected(std::string("a change property has no name"));
  }
  return Ok{};
}

store::AppendRequest record_change_request(events::ChangeAdded change, const std::string& sender,
                                           const std::string& master_id) {
  store::AppendRequest request;
  auto& event = request.events.emplace_back();
  event.set_stream(streams::changes());
  event.set_master_id(master_id);
  change.set_source("sendchange:" + sender);
  for (auto& property : *change.mutable_properties()) property.set_source("Change");
  *event.mutable_change_added() = std::move(change);
  return request;
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
  if (auto valid = validate_change(change); !valid) return reply_error(valid.error());

  auto appended =
      log_.append(record_change_request(change, connection->peer().name, master_id_));
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
