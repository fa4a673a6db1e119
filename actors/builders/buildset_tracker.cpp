#include "actors/builders/buildset_tracker.hpp"

#include <utility>

#include "actors/builds/results.hpp"
#include "events/streams.hpp"

namespace eventbot::builders {

void BuildsetTracker::evolve(const events::Envelope& event) {
  switch (event.body_case()) {
    case events::Envelope::kBuildsetSubmitted: {
      const auto& body = event.buildset_submitted();
      auto& set = buildsets_[body.buildset_id()];
      set.id = body.buildset_id();
      set.submitted = true;
      set.version = event.stream_version();
      set.submitted_by = events::Cause::of(event);
      for (auto id : body.build_request_ids()) {
        set.open.insert(id);
        requests_.try_emplace(id, OpenRequest{set.id, {}});
      }
      if (set.open.empty()) ready_.insert(set.id);
      break;
    }
    case events::Envelope::kBuildRequestSubmitted: {
      // Schedulers list the request ids in BuildsetSubmitted; this keeps older logs right.
      const auto& body = event.build_request_submitted();
      auto& set = buildsets_[body.buildset_id()];
      set.id = body.buildset_id();
      set.open.insert(body.request_id());
      requests_[body.request_id()] = OpenRequest{body.buildset_id(), events::Cause::of(event)};
      break;
    }
    case events::Envelope::kBuildRequestCompleted:
      ended(event, event.build_request_completed().request_id(),
            event.build_request_completed().result());
      break;
    case events::Envelope::kBuildRequestCancelled:
      ended(event, event.build_request_cancelled().request_id(), events::CANCELLED);
      break;
    case events::Envelope::kBuildsetCompleted:
      buildsets_.erase(event.buildset_completed().buildset_id());
      ready_.erase(event.buildset_completed().buildset_id());
      break;
    default:
      break;
  }
}

void BuildsetTracker::ended(const events::Envelope& event, std::uint64_t request_id,
                            events::Result result) {
  auto owner = requests_.find(request_id);
  if (owner == requests_.end()) return;  // unknown, or already ended
  auto set = buildsets_.find(owner->second.buildset);
  requests_.erase(owner);
  if (set == buildsets_.end()) return;
  set->second.open.erase(request_id);
  set->second.result = builds::worst(set->second.result, result);
  set->second.last_ended = events::Cause::of(event);
  if (set->second.open.empty()) ready_.insert(set->first);
}

std::vector<BuildsetCompletion> BuildsetTracker::take_ready() {
  std::vector<BuildsetCompletion> out;
  for (auto id : std::exchange(ready_, {})) {
    auto it = buildsets_.find(id);
    if (it == buildsets_.end() || !it->second.complete()) continue;
    const auto& set = it->second;
    // A buildset without requests is complete as soon as it is submitted.
    out.push_back({id, set.result, StreamVersion(set.version),
                   set.last_ended.known() ? set.last_ended : set.submitted_by});
  }
  return out;
}

std::optional<events::Cause> BuildsetTracker::request_submitted(std::uint64_t request_id) const {
  auto it = requests_.find(request_id);
  if (it == requests_.end() || !it->second.submitted.known()) return std::nullopt;
  return it->second.submitted;
}

events::Envelope BuildsetTracker::completed_event(const BuildsetCompletion& completion) {
  events::Envelope event;
  event.set_stream(streams::buildset(completion.id));
  event.mutable_buildset_completed()->set_buildset_id(completion.id);
  event.mutable_buildset_completed()->set_result(completion.result);
  events::link_to(event, completion.cause);
  return event;
}

}  // namespace eventbot::builders
