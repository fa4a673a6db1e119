#pragma once
// From a decision to the events that record it: a buildset and its build requests.
// Pure: the actor allocates the ids (it knows the largest ones in the log) and appends.
#include <cstdint>
#include <vector>

#include "actors/schedulers/scheduler_core.hpp"
#include "store/event_log.hpp"

namespace eventbot::schedulers {

// The BuildsetSubmitted body of an intent with the given ids.
events::BuildsetSubmitted buildset_submitted(const BuildsetIntent& intent,
                                             std::uint64_t buildset_id,
                                             const std::vector<std::uint64_t>& request_ids);

// BuildsetSubmitted on streams::buildset(buildset_id), then one BuildRequestSubmitted per
// builder on streams::build_request(rid), rids dense from first_request_id in the
// order of intent.builder_names.
std::vector<Envelope> buildset_events(const BuildsetIntent& intent, std::uint64_t buildset_id,
                                      std::uint64_t first_request_id);

// The whole append for a decision: the scheduler's events first (expecting its stream at
// core.version() when there are any), then each buildset with ids dense from
// first_buildset_id and first_request_id, every new stream expected not to exist.
// One atomic batch, so a replay sees either the decision and its buildsets or neither.
store::AppendRequest to_append_request(const SchedulerCore& core, const Decision& decision,
                                       std::uint64_t first_buildset_id,
                                       std::uint64_t first_request_id);

}  // namespace eventbot::schedulers
