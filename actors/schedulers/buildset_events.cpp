#include "actors/schedulers/buildset_events.hpp"

#include "events/streams.hpp"

namespace eventbot::schedulers {

events::BuildsetSubmitted buildset_submitted(const BuildsetIntent& intent,
                                             std::uint64_t buildset_id,
                                             const std::vector<std::uint64_t>& request_ids) {
  events::BuildsetSubmitted out;
  out.set_buildset_id(buildset_id);
  out.set_scheduler(intent.scheduler);
  out.set_reason(intent.reason);
  for (const auto& ss : intent.sourcestamps) *out.add_sourcestamps() = ss;
  for (const auto& p : intent.properties) *out.add_properties() = p;
  for (const auto& b : intent.builder_names) out.add_builder_names(b);
  out.set_external_idstring(intent.external_idstring);
  out.set_parent_buildset_id(intent.parent_buildset_id);
  for (auto rid : request_ids) out.add_build_request_ids(rid);
  return out;
}

std::vector<Envelope> buildset_events(const BuildsetIntent& intent, std::uint64_t buildset_id,
                                      std::uint64_t first_request_id) {
  std::vector<std::uint64_t> request_ids;
  for (std::size_t i = 0; i < intent.builder_names.size(); ++i) {
    request_ids.push_back(first_request_id + i);
  }
  std::vector<Envelope> out;
  Envelope submitted;
  submitted.set_stream(streams::buildset(buildset_id));
  *submitted.mutable_buildset_submitted() = buildset_submitted(intent, buildset_id, request_ids);
  out.push_back(std::move(submitted));
  for (std::size_t i = 0; i < intent.builder_names.size(); ++i) {
    Envelope request;
    request.set_stream(streams::build_request(request_ids[i]));
    auto* body = request.mutable_build_request_submitted();
    body->set_request_id(request_ids[i]);
    body->set_buildset_id(buildset_id);
    body->set_builder(intent.builder_names[i]);
    out.push_back(std::move(request));
  }
  return out;
}

store::AppendRequest to_append_request(const SchedulerCore& core, const Decision& decision,
                                       std::uint64_t first_buildset_id,
                                       std::uint64_t first_request_id) {
  store::AppendRequest request;
  if (!decision.events.empty()) {
    request.expected.emplace(core.stream(), store::ExpectedVersion::exactly(core.version()));
    request.events = decision.events;
  }
  auto buildset_id = first_buildset_id;
  auto request_id = first_request_id;
  for (const auto& intent : decision.buildsets) {
    for (auto& event : buildset_events(intent, buildset_id, request_id)) {
      request.expected.emplace(event.stream(), store::ExpectedVersion::no_stream());
      request.events.push_back(std::move(event));
    }
    ++buildset_id;
    request_id += intent.builder_names.size();
  }
  return request;
}

}  // namespace eventbot::schedulers
