#include "actors/builds/build_end.hpp"

#include <iterator>
#include <utility>

#include "events/streams.hpp"

namespace eventbot::builds {

std::vector<events::Envelope> build_end_events(const BuildIdentity& build,
                                               events::BuildFinished finished) {
  std::vector<events::Envelope> events;
  const auto result = finished.result();
  *events.emplace_back().mutable_build_finished() = std::move(finished);
  for (auto id : build.request_ids) {
    events::Envelope event;
    event.set_stream(streams::build_request(id));
    if (result == events::RETRY) {
      // Buildbot re-queues the request of a build that ends RETRY.
      auto* body = event.mutable_build_request_unclaimed();
      body->set_request_id(id);
      body->set_reason("build " + build.builder + " #" + std::to_string(build.number) +
                       " ended RETRY");
    } else {
      auto* body = event.mutable_build_request_completed();
      body->set_request_id(id);
      body->set_result(result);
      body->set_builder(build.builder);
      body->set_build_number(build.number);
    }
    events.push_back(std::move(event));
  }
  return events;
}

std::optional<std::vector<events::Envelope>> BuildEnd::end(const BuildIdentity& build,
                                                           events::BuildFinished finished,
                                                           std::vector<events::Envelope> before) {
  if (ended_) return std::nullopt;
  ended_ = true;
  result_ = finished.result();
  auto end = build_end_events(build, std::move(finished));
  before.insert(before.end(), std::make_move_iterator(end.begin()),
                std::make_move_iterator(end.end()));
  return before;
}

}  // namespace eventbot::builds
