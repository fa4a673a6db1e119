#pragma once
// How a build ends: the events that record it. Pure (no I/O, no CAF, no clock); the build
// actor appends what it returns, retrying until the store takes it, and a replay or a
// test can compute the same end from the build's start and its BuildFinished.
//
// A build's end is its BuildFinished, then one event per request it was built for, on
// that request's stream (streams::build_request):
// - BuildRequestCompleted (with the build's result, builder and number), or
// - for a build that ended RETRY (its slave was lost), BuildRequestUnclaimed: Buildbot
//   puts the request back in the queue, so it is built again (on another slave).
//
// `BuildEnd` holds the rule that a build ends once: the first `end` gives the events,
// any later one (a stop or a lost slave racing the end) gives nothing.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/builds/results.hpp"
#include "events/events.pb.h"

namespace eventbot::builds {

// What the end needs of the build's start.
struct BuildIdentity {
  std::string builder;
  std::uint32_t number = 0;
  std::vector<std::uint64_t> request_ids;
};

// BuildFinished (on the build's stream: left empty for the actor to stamp), then each
// request's BuildRequestCompleted or, for RETRY, BuildRequestUnclaimed.
std::vector<events::Envelope> build_end_events(const BuildIdentity& build,
                                               events::BuildFinished finished);

class BuildEnd {
 public:
  // The build ends: `before` (the running step's last events) and build_end_events. The
  // first call only; later ones return nullopt and change nothing.
  std::optional<std::vector<events::Envelope>> end(const BuildIdentity& build,
                                                   events::BuildFinished finished,
                                                   std::vector<events::Envelope> before = {});

  bool ended() const { return ended_; }
  Result result() const { return result_; }

 private:
  bool ended_ = false;
  Result result_ = events::SUCCESS;
};

}  // namespace eventbot::builds
