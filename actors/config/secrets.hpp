#pragma once
// The secrets a master.yaml holds, and the text with them hidden: what ConfigLoaded
// records (and digests), and what tells checkconfig that the file must not be readable
// by others. A secret is the value of a key that names one (password, token, secret,
// passwd, api_key, or a hash: password hashes log in as well as passwords do), and the
// credentials of a URL in any value ("https://TOKEN@host/x").
#include <string>
#include <string_view>

namespace eventbot::config {

// What stands where a secret value was.
inline constexpr std::string_view kRedactedValue = "<redacted>";

// The YAML text with every secret value replaced by "<redacted>" and URL credentials
// by "***" (common/url_credentials.hpp). Text that is not YAML is replaced whole (it is
// never accepted anyway). The text must have passed load_config_string's limits (the
// walk visits aliased nodes once per alias).
std::string redact_secrets(std::string_view yaml_text);

// Whether the YAML text holds a secret in the sense above.
bool holds_secrets(std::string_view yaml_text);

}  // namespace eventbot::config
