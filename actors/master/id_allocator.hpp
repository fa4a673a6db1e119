#pragma once
// Hands out buildset and build request ids. Ids are dense: the next one is one past the
// largest the log holds (folded at start, observed as events arrive). Appends expect
// the id's stream not to exist, so an id taken by a racing master is a conflict, never
// a duplicate; after one, observe() the log and allocate again.
#include <algorithm>
#include <atomic>
#include <cstdint>

#include "events/events.pb.h"

namespace eventbot::master {

class IdAllocator {
 public:
  struct Ids {
    std::uint64_t first_buildset = 0;
    std::uint64_t first_request = 0;
  };

  // Notes the ids an event uses.
  void observe(const events::Envelope& event) {
    if (event.has_buildset_submitted()) {
      raise(last_buildset_, event.buildset_submitted().buildset_id());
    } else if (event.has_build_request_submitted()) {
      raise(last_request_, event.build_request_submitted().request_id());
    }
  }

  // Reserves `buildsets` buildset ids and `requests` request ids.
  Ids reserve(std::uint64_t buildsets, std::uint64_t requests) {
    return Ids{last_buildset_.fetch_add(buildsets) + 1, last_request_.fetch_add(requests) + 1};
  }

  // Raises the ids to those of a snapshot of the fold (snapshots.hpp), as if it had
  // observed the events up to it.
  void restore(std::uint64_t last_buildset, std::uint64_t last_request) {
    raise(last_buildset_, last_buildset);
    raise(last_request_, last_request);
  }

  std::uint64_t last_buildset() const { return last_buildset_.load(); }
  std::uint64_t last_request() const { return last_request_.load(); }

 private:
  static void raise(std::atomic<std::uint64_t>& value, std::uint64_t seen) {
    auto current = value.load();
    while (current < seen && !value.compare_exchange_weak(current, seen)) {
    }
  }
  std::atomic<std::uint64_t> last_buildset_{0};
  std::atomic<std::uint64_t> last_request_{0};
};

}  // namespace eventbot::master
