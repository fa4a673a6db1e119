#pragma once
// Credentials in URLs: a repository URL may carry a token or a password
// ("https://TOKEN@host/x.git", "https://user:pass@host/x.git"). Everything that shows or
// records such a URL (master.log, error messages, the ConfigLoaded event, the names the
// master derives from it) goes through this one function first.
#include <string>
#include <string_view>

namespace eventbot {

// The marker that stands where credentials were.
inline constexpr std::string_view kRedactedCredentials = "***";

// `text` with the credentials of every "scheme://userinfo@host" in it replaced:
// - a password goes, the user name stays: "https://bot:s3cret@h/x" -> "https://bot:***@h/x";
// - a user name alone is a token over HTTP(S) and most schemes, so it goes too:
//   "https://ghp_abc@h/x" -> "https://***@h/x";
// - except over ssh, where the user name is an account ("ssh://git@h/x" stays).
// Text without such a URL is returned unchanged; so is scp-like "git@host:path".
std::string redact_url_credentials(std::string_view text);

// Whether `text` holds a URL with credentials that redact_url_credentials would hide.
inline bool has_url_credentials(std::string_view text) {
  return redact_url_credentials(text) != text;
}

}  // namespace eventbot
