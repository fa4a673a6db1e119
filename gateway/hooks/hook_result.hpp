#pragma once
// What a change hook's parser makes of one request: the changes to record (none for a
// GitHub ping or a closed pull request, with a note saying why), or the HTTP status and
// message of what is wrong with it. Pure: no I/O.
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "events/events.pb.h"

namespace eventbot::gateway::hooks {

struct HookChanges {
  std::vector<events::ChangeAdded> changes;
  std::string note;  // why there is no change ("pong", "pull request closed"), or empty
};

struct HookError {
  unsigned status = 400;  // 400 malformed, 415 unsupported body type
  std::string message;
};

using HookResult = Expected<HookChanges, HookError>;

// At most this many changes come from one request (a push of more commits is refused).
inline constexpr std::size_t kMaxChangesPerHook = 1000;

}  // namespace eventbot::gateway::hooks
