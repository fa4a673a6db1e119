#include "actors/auth/web_password.hpp"

#include <argon2.h>

#include <stdexcept>

#include "actors/auth/credentials.hpp"
#include "actors/auth/scram.hpp"

namespace eventbot::auth {
namespace {

constexpr std::uint32_t kPasses = 2;
constexpr std::uint32_t kMemoryKiB = 19 * 1024;
constexpr std::uint32_t kLanes = 1;
constexpr std::uint32_t kSaltBytes = 16;
constexpr std::uint32_t kHashBytes = 32;

}  // namespace

std::string argon2id_hash(std::string_view password) {
  const auto salt = random_bytes(kSaltBytes);
  std::string encoded(
      argon2_encodedlen(kPasses, kMemoryKiB, kLanes, kSaltBytes, kHashBytes, Argon2_id), '\0');
  int rc =
      argon2id_hash_encoded(kPasses, kMemoryKiB, kLanes, password.data(), password.size(),
                            salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_web_password(std::string_view name, std::string_view clear_password,
                         std::string_view password_hash, std::string_view password) {
  switch (hash_kind(password_hash)) {
    case HashKind::argon2id: {
      const std::string encoded(password_hash);  // NUL-terminated for libargon2
      return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
    }
    case HashKind::scram: {
      auto verifier = scram::parse(password_hash);
      if (!verifier) return false;
      auto again = scram::make_verifier(password, verifier->salt, verifier->iterations);
      return proof_matches(verifier->stored_key, again.stored_key);
    }
    case HashKind::sha256:
      return proof_matches(credential_from_hash(password_hash), credential(name, password));
    case HashKind::none:
      break;
  }
  if (!password_hash.empty() || clear_password.empty()) return false;
  return proof_matches(credential(name, clear_password), credential(name, password));
}

}  // namespace eventbot::auth
