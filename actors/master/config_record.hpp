#pragma once
// The ConfigLoaded event of an accepted master.yaml: its content hash and its content
// with every secret (password, token, secret, key) replaced, so the log says what was in
// force without holding a credential.
#include <string>

#include "events/events.pb.h"

namespace eventbot::master {

// The YAML text with the value of every secret key replaced by "<redacted>".
// Text that is not YAML is replaced whole (it was never accepted anyway).
std::string redact_secrets(const std::string& yaml_text);

events::ConfigLoaded config_loaded(const std::string& path, const std::string& yaml_text);

}  // namespace eventbot::master
