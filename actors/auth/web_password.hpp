#pragma once
// Passwords of the web users the gateway logs in: a slow salted hash (Argon2id, RFC 9106)
// in the standard encoded form "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>"
// that `eventbot hash-password --web NAME` prints, and the one check the gateway calls.
#include <string>
#include <string_view>

namespace eventbot::auth {

// Argon2id with a new random 16-byte salt: 19 MiB, 2 passes, 1 lane (OWASP's minimum).
std::string argon2id_hash(std::string_view password);

// Whether `password` is the password of a web user configured with `password` (clear) or
// `password_hash` (argon2id, SCRAM-SHA-256 or the old sha256 credential, which needs the
// user's `name`). Constant time where the stored form allows it; false for anything
// malformed.
bool verify_web_password(std::string_view name, std::string_view clear_password,
                         std::string_view password_hash, std::string_view password);

}  // namespace eventbot::auth
