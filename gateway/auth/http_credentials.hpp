#pragma once
// Reading what a request carries to say who sends it: the Authorization header (HTTP
// Basic or a Bearer token), a cookie, and a login form's fields. Pure.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace eventbot::gateway::auth {

inline constexpr char kSessionCookie[] = "eventbot_session";

struct BasicCredentials {
  std::string user;
  std::string password;
};
struct BearerToken {
  std::string token;
};
// Nothing, Basic, Bearer, or a header that is neither (malformed: refused).
struct MalformedAuthorization {};
using Authorization =
    std::variant<std::monostate, BasicCredentials, BearerToken, MalformedAuthorization>;

Authorization parse_authorization(std::string_view header);

// Standard base64 (RFC 4648, padding required); nothing if malformed.
std::optional<std::string> base64_decode(std::string_view text);

// The value of cookie `name` in a Cookie header ("a=1; b=2").
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

// application/x-www-form-urlencoded fields ('+' is a space); nothing if malformed.
std::optional<std::map<std::string, std::string>> parse_form(std::string_view body);

// The Set-Cookie value of a session: HttpOnly, SameSite=Strict, Path=/, Max-Age, and
// Secure when served over TLS. An empty id with max_age 0 clears the cookie.
std::string session_cookie(const std::string& id, long max_age_seconds, bool secure);

}  // namespace eventbot::gateway::auth
