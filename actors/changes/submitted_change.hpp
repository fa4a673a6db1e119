#pragma once
// A change a user submitted (`eventbot sendchange` over the port; the web gateway's hooks
// later), pure: checked (text, limits and the master's validation patterns:
// actors/intake/user_values.hpp), then turned into the append that records it.
#include <string>

#include "actors/intake/user_values.hpp"
#include "common/expected.hpp"
#include "events/events.pb.h"
#include "store/event_log.hpp"

namespace eventbot::changes {

// Checks a submitted change; the reason names the first problem (and the pattern, for a
// value the validation patterns refuse).
Expected<Ok, std::string> validate_change(const intake::Validation& validation,
                                          const events::ChangeAdded& change);

// The append that records one change from `sender`; time_us is the store's stamp.
store::AppendRequest record_change_request(events::ChangeAdded change, const std::string& sender,
                                           const std::string& master_id);

}  // namespace eventbot::changes
