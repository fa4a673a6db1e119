#pragma once
// The master's configuration as the log recorded it: the content of a ConfigLoaded event,
// loaded again with the master's own loader.
#include <cstdint>
#include <optional>
#include <string>

#include "actors/config/master_config.hpp"
#include "common/expected.hpp"
#include "replay/history.hpp"
#include "store/event_log.hpp"

namespace eventbot::replay {

// Loads the recorded master.yaml. The master redacted its secrets before recording it
// ("<redacted>", actors/master/config_record.cpp); a redacted password hash is put back
// as a well-formed dummy hash so the file loads (replay never checks a credential).
// The master id is the recording envelope's when it has one (the master stamps its own;
// the loader's default would be the host name of whoever runs replay). On failure, the
// loader's first errors as one line.
Expected<config::MasterConfig, std::string> load_recorded_config(const RecordedConfig& recorded);

// The last ConfigLoaded of the `config` stream at or before `sequence`.
store::StoreResult<std::optional<RecordedConfig>> recorded_config_at(store::EventLog& log,
                                                                     std::uint64_t sequence);

}  // namespace eventbot::replay
