#pragma once
// GET /api/v2/builds/N/why, /api/v2/builders/{id or name}/builds/M/why: the chain of
// facts that led to a build, as `eventbot-replay DIR why BUILDER NUMBER --json` gives it
// (replay/why_command.hpp does the reading; this only calls it).
#include <cstdint>
#include <string>

#include "gateway/api/reply.hpp"
#include "store/event_log.hpp"

namespace eventbot::gateway::eventlog {

api::Reply why_reply(store::EventLog& log, const std::string& builder, std::uint32_t number);

}  // namespace eventbot::gateway::eventlog
