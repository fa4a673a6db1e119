#pragma once
// GET /api/v2/events?from=SEQ&limit=N: the event log itself, for tools: the events from
// SEQ on (default 1), at most N of them (default 100, at most kMaxEvents), each in
// protobuf's JSON mapping (as `eventbot-replay list --json` prints them):
// {"events": [...], "meta": {"total": COUNT, "next": SEQ_AFTER_THE_LAST, "head": HEAD}}.
#include <string_view>

#include "gateway/api/reply.hpp"
#include "store/event_log.hpp"

namespace eventbot::gateway::eventlog {

inline constexpr std::size_t kDefaultEvents = 100;
inline constexpr std::size_t kMaxEvents = 1000;

api::Reply events_reply(store::EventLog& log, std::string_view query);

}  // namespace eventbot::gateway::eventlog
