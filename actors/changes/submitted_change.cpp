#include "actors/changes/submitted_change.hpp"

#include "events/streams.hpp"

namespace eventbot::changes {

Expected<Ok, std::string> validate_change(const intake::Validation& validation,
                                          const events::ChangeAdded& change) {
  return intake::check_submitted_change(validation, change);
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

}  // namespace eventbot::changes
