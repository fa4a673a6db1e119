#pragma once
// Passwords without clear text: what the master keeps, what crosses the wire.
//
// A credential is SHA-256 over a fixed label, the account name and the password, so the
// same password gives different credentials for different accounts. master.yaml may
// hold the credential ("sha256:<hex>", printed by `eventbot hash-password NAME`)
// instead of the password. A client proves it knows the password by an HMAC-SHA256 of
// the master's one-time nonce keyed by the credential; the master checks it in
// constant time. Like HTTP digest's HA1, a stored credential lets its holder log in
// to this master as that account, but it does not reveal the password itself.
#include <string>
#include <string_view>

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

// An account as the master knows it: a name and the credential its password gives.
struct Account {
  std::string name;
  std::string credential;  // raw bytes; never logged
};

// The credential for an account configured with either a clear password or a hash.
Account make_account(std::string_view name, std::string_view password,
                     std::string_view password_hash);

}  // namespace eventbot::auth
