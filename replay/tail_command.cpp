#include "replay/tail_command.hpp"

#include <deque>
#include <string>

#include "replay/exit_code.hpp"

namespace eventbot::replay {

int run_tail(store::EventLog& log, const TailOptions& options, std::ostream& out,
             std::ostream& err) {
  const auto& filters = options.filters;
  const std::uint64_t head = log.head().value();
  // Without filters the last lines are the last events; with them, the whole log is read
  // (keeping only the last `lines` matches).
  const bool filtered = !filters.stream_prefix.empty() || !filters.type.empty();
  std::uint64_t from = 1;
  if (!filtered && head > options.lines) from = head - options.lines + 1;
  std::deque<std::string> last;
  if (options.lines > 0 && head > 0) {
    auto scanned = log.scan(Sequence(from), Sequence(head), [&](const events::Envelope& e) {
      if (!event_matches(filters, e)) return true;
      last.push_back(format_for(filters, e));
      if (last.size() > options.lines) last.pop_front();
      return true;
    });
    if (!scanned) return report_error(err, scanned.error().message, kExitStoreError);
  }
  for (const auto& line : last) out << line << '\n';
  out.flush();
  if (!options.follow) return kExitOk;

  std::uint64_t seen = head, printed = 0;
  while (out.good() && (options.count == 0 || printed < options.count)) {
    const auto now = log.wait_for_head_beyond(Sequence(seen), options.poll).value();
    if (now <= seen) continue;
    auto scanned = log.scan(Sequence(seen + 1), Sequence(now), [&](const events::Envelope& e) {
      seen = e.sequence();
      if (!event_matches(filters, e)) return true;
      out << format_for(filters, e) << '\n';
      ++printed;
      return out.good() && (options.count == 0 || printed < options.count);
    });
    if (!scanned) return report_error(err, scanned.error().message, kExitStoreError);
    seen = scanned->value();
    out.flush();
  }
  return kExitOk;
}

}  // namespace eventbot::replay
