#include "replay/list_command.hpp"

#include "events/event_type.hpp"
#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"

namespace eventbot::replay {

bool event_matches(const ListOptions& options, const events::Envelope& envelope) {
  if (!envelope.stream().starts_with(options.stream_prefix)) return false;
  return options.type.empty() || events::type_name(envelope) == options.type;
}

std::string format_for(const ListOptions& options, const events::Envelope& envelope) {
  return options.json ? format_event_json(envelope) : format_event_line(envelope);
}

int run_list(store::EventLog& log, const ListOptions& options, std::ostream& out,
             std::ostream& err) {
  auto scanned =
      log.scan(Sequence(options.from), Sequence(options.to), [&](const events::Envelope& envelope) {
        if (event_matches(options, envelope)) out << format_for(options, envelope) << '\n';
        return out.good();  // stop early once nobody reads the output
      });
  out.flush();
  if (!scanned) return report_error(err, scanned.error().message, kExitStoreError);
  return kExitOk;
}

}  // namespace eventbot::replay
