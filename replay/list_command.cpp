#include "replay/list_command.hpp"

#include "events/event_type.hpp"
#include "replay/event_format.hpp"
#include "replay/exit_code.hpp"

namespace eventbot::replay {

int run_list(store::EventLog& log, const ListOptions& options, std::ostream& out,
             std::ostream& err) {
  auto matches = [&](const events::Envelope& envelope) {
    if (!envelope.stream().starts_with(options.stream_prefix)) return false;
    return options.type.empty() || events::type_name(envelope) == options.type;
  };
  auto scanned =
      log.scan(Sequence(options.from), Sequence(options.to), [&](const events::Envelope& envelope) {
        if (matches(envelope)) {
          out << (options.json ? format_event_json(envelope) : format_event_line(envelope)) << '\n';
        }
        return out.good();  // stop early once nobody reads the output
      });
  out.flush();
  if (!scanned) return report_error(err, scanned.error().message, kExitStoreError);
  return kExitOk;
}

}  // namespace eventbot::replay
