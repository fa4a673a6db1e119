#pragma once
// Causation and correlation of events (docs/EVENTS.md, "Causes and chains").
//
// An event that starts a chain (a change, a timer firing, a user's command) has
// causation_id 0 and correlation_id 0. An event caused by event E has causation_id =
// E's sequence and correlation_id = E's correlation_id, or E's sequence when E starts
// the chain: a chain's id is the sequence of its first event.
#include <cstdint>

#include "events/events.pb.h"

namespace eventbot::events {

// An event as a cause: its sequence and its correlation id.
struct Cause {
  std::uint64_t sequence = 0;  // 0: unknown (nothing is linked)
  std::uint64_t correlation = 0;

  static Cause of(const Envelope& event) { return {event.sequence(), event.correlation_id()}; }
  bool known() const { return sequence != 0; }
  // The id of the chain the cause belongs to.
  std::uint64_t chain() const { return correlation != 0 ? correlation : sequence; }
  bool operator==(const Cause&) const = default;
};

// Links `event` to `cause` (nothing when the cause is unknown).
inline void link_to(Envelope& event, const Cause& cause) {
  if (!cause.known()) return;
  event.set_causation_id(cause.sequence);
  event.set_correlation_id(cause.chain());
}

inline bool linked(const Envelope& event) {
  return event.causation_id() != 0;
}

}  // namespace eventbot::events
