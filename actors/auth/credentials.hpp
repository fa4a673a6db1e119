#pragma once
// Passwords without clear text: what the master keeps, what crosses the wire.
//
// Logins over the port use SCRAM-SHA-256 (actors/auth/scram.hpp): master.yaml holds the
// verifier "SCRAM-SHA-256$..." that `eventbot hash-password NAME` prints, or the clear
// password (from which the master makes a verifier when it loads the file).
//
// The old form, kept for entries written before: a credential is SHA-256 over a fixed
// label, the account name and the password ("sha256:<hex>"), and a client proves it
// knows the password by an HMAC-SHA256 of the master's one-time nonce keyed by the
// credential. Like HTTP digest's HA1, that credential lets whoever reads it log in as
// the account: checkconfig warns about each one.
#include <optional>
#include <string>
#include <string_view>

#include "actors/auth/scram.hpp"

namespace eventbot::auth {

// The raw 32-byte credential.
std::string credential(std::string_view name, std::string_view password);
// "sha256:<64 hex digits>", the form master.yaml holds.
std::string credential_hash(std::string_view name, std::string_view password);
// The raw credential from its "sha256:<hex>" form; empty if the text is malformed.
std::string credential_from_hash(std::string_view hash);

// HMAC-SHA256(key = credential, message = nonce).
std::string proof(std::string_view credential, std::string_view nonce);
// Constant-time comparison of a received proof with the expected one.
bool proof_matches(std::string_view expected, std::string_view received);

// `count` bytes from the operating system's random source.
std::string random_bytes(std::size_t count);

// What a `password_hash` in master.yaml is.
enum class HashKind { none, sha256, scram, argon2id };
HashKind hash_kind(std::string_view text);

// An account as the master knows it: the SCRAM verifier and/or the old credential.
struct Account {
  std::string name;
  std::string credential;                // old sha256 credential, raw bytes; empty: none
  std::optional<scram::Verifier> scram;  // none: an old "sha256:" entry
};

// The account for one configured with either a clear password (both forms: old clients
// still log in) or a hash ("SCRAM-SHA-256$...", or "sha256:..."). An argon2id hash gives
// an account that cannot log in over the port (it serves the web pages only).
Account make_account(std::string_view name, std::string_view password,
                     std::string_view password_hash);

}  // namespace eventbot::auth
