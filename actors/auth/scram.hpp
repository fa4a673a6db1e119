#pragma once
// SCRAM-SHA-256 (RFC 5802, RFC 7677), as PostgreSQL uses it: the master keeps a salted,
// iterated verifier that is not password-equivalent, the client proves it knows the
// password without sending it, and the master proves it knows the verifier.
//
//   SaltedPassword = PBKDF2-HMAC-SHA256(password, salt, iterations)
//   ClientKey = HMAC(SaltedPassword, "Client Key")   StoredKey = SHA256(ClientKey)
//   ServerKey = HMAC(SaltedPassword, "Server Key")
//   AuthMessage = client-first-bare "," server-first "," client-final-without-proof
//   ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage)
//   ServerSignature = HMAC(ServerKey, AuthMessage)
//
// The verifier holds StoredKey and ServerKey only: it lets the master check a proof,
// never make one. The messages are built here, from the fields the wire frames carry,
// exactly as RFC 5802 spells them, so that both ends sign the same bytes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eventbot::auth::scram {

// PostgreSQL's default, and RFC 7677's minimum.
inline constexpr std::uint32_t kDefaultIterations = 4096;
// What a client accepts from a master: more would let a hostile master burn its CPU.
inline constexpr std::uint32_t kMaxIterations = 10'000'000;
inline constexpr std::string_view kPrefix = "SCRAM-SHA-256$";

struct Verifier {
  std::uint32_t iterations = kDefaultIterations;
  std::string salt;        // raw bytes
  std::string stored_key;  // raw 32 bytes
  std::string server_key;  // raw 32 bytes

  bool operator==(const Verifier&) const = default;
};

// PBKDF2-HMAC-SHA256; raw 32 bytes.
std::string salted_password(std::string_view password, std::string_view salt,
                            std::uint32_t iterations);
std::string client_key(std::string_view salted_password);
std::string server_key(std::string_view salted_password);
std::string stored_key(std::string_view client_key);

// A verifier for `password` with a new random salt (16 bytes), or the one given.
Verifier make_verifier(std::string_view password, std::uint32_t iterations = kDefaultIterations);
Verifier make_verifier(std::string_view password, std::string_view salt, std::uint32_t iterations);

// "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>" (base64), PostgreSQL's form.
std::string format(const Verifier& verifier);
// The verifier in that form; nullopt when the text is not one.
std::optional<Verifier> parse(std::string_view text);

// The RFC's messages. `user` is escaped ("," as "=2C", "=" as "=3D").
std::string client_first_bare(std::string_view user, std::string_view client_nonce);
std::string server_first(std::string_view nonce, std::string_view salt, std::uint32_t iterations);
// No channel binding: "c=biws" (base64 of the GS2 header "n,,").
std::string client_final_without_proof(std::string_view nonce);
std::string auth_message(std::string_view client_first_bare, std::string_view server_first,
                         std::string_view client_final_without_proof);

std::string client_proof(std::string_view salted_password, std::string_view auth_message);
std::string server_signature(std::string_view server_key, std::string_view auth_message);
// Whether `proof` shows knowledge of the password behind `verifier` (constant time).
bool proof_is_valid(const Verifier& verifier, std::string_view auth_message,
                    std::string_view proof);

// A nonce as the RFC wants it: printable, without ",". 24 base64 characters.
std::string new_nonce();
// Whether a nonce received is one (printable ASCII but ",", not empty, at most 256).
bool is_valid_nonce(std::string_view nonce);

std::string base64(std::string_view bytes);
std::optional<std::string> unbase64(std::string_view text);

}  // namespace eventbot::auth::scram
