#include "gateway/eventlog/events_resource.hpp"

#include "replay/event_format.hpp"

namespace eventbot::gateway::eventlog {

api::Reply events_reply(store::EventLog& log, std::string_view query) {
  std::uint64_t from = 1;
  std::uint64_t limit = kDefaultEvents;
  std::size_t options = 0;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto option = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (option.empty()) continue;
    if (++options > 8) return api::error_reply(400, "too many query options");
    auto eq = option.find('=');
    auto name = option.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string_view() : option.substr(eq + 1);
    auto number = replay::parse_whole_number(value);
    if (name == "from") {
      if (!number || *number == 0)
        return api::error_reply(400, "from must be a sequence (1 or more)");
      from = *number;
    } else if (name == "limit") {
      if (!number || *number == 0 || *number > kMaxEvents) {
        return api::error_reply(400, "limit must be 1 to " + std::to_string(kMaxEvents));
      }
      limit = *number;
    } else {
      return api::error_reply(400, "events take from and limit only");
    }
  }
  auto events = log.read_forward(Sequence(from), limit);
  if (!events)
    return api::error_reply(500, "the event log could not be read: " + events.error().message);
  // Each event is already JSON text: the answer is assembled, not re-parsed.
  std::string body = "{\"events\":[";
  std::uint64_t next = from;
  for (std::size_t i = 0; i < events->size(); ++i) {
    if (i) body += ',';
    body += replay::format_event_json((*events)[i]);
    next = (*events)[i].sequence() + 1;
  }
  body += "],\"meta\":{\"total\":" + std::to_string(events->size()) +
          ",\"next\":" + std::to_string(next) + ",\"head\":" + std::to_string(log.head().value()) +
          "}}";
  api::Reply reply;
  reply.body = std::move(body);
  return reply;
}

}  // namespace eventbot::gateway::eventlog
