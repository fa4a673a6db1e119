#pragma once
// The ConfigLoaded event of an accepted master.yaml: its content with every secret
// hidden (actors/config/secrets.hpp), so the log says what was in force without holding
// a credential, and the digest of that redacted content, so the log does not let anyone
// confirm a guessed password either.
#include <string>

#include "events/events.pb.h"

namespace eventbot::master {

events::ConfigLoaded config_loaded(const std::string& path, const std::string& yaml_text);

}  // namespace eventbot::master
