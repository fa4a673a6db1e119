#include "actors/auth/credentials.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <stdexcept>

namespace eventbot::auth {
namespace {

constexpr std::string_view kLabel{"eventbot-credential\0", 20};
constexpr std::string_view kHashPrefix = "sha256:";

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string credential(std::string_view name, std::string_view password) {
  std::string input;
  input.append(kLabel);
  input.append(name);
  input.push_back('\0');
  input.append(password);
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  OPENSSL_cleanse(input.data(), input.size());
  return out;
}

std::string credential_hash(std::string_view name, std::string_view password) {
  return std::string(kHashPrefix) + to_hex(credential(name, password));
}

std::string credential_from_hash(std::string_view hash) {
  if (hash.substr(0, kHashPrefix.size()) != kHashPrefix) return {};
  auto hex = hash.substr(kHashPrefix.size());
  if (hex.size() != 2 * SHA256_DIGEST_LENGTH) return {};
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string proof(std::string_view credential, std::string_view nonce) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), credential.data(), static_cast<int>(credential.size()),
       reinterpret_cast<const unsigned char*>(nonce.data()), nonce.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

bool proof_matches(std::string_view expected, std::string_view received) {
  if (expected.empty() || expected.size() != received.size()) return false;
  return CRYPTO_memcmp(expected.data(), received.data(), expected.size()) == 0;
}

std::string random_bytes(std::size_t count) {
  std::string out(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    throw std::runtime_error("the system's random source failed");
  }
  return out;
}

HashKind hash_kind(std::string_view text) {
  if (!credential_from_hash(text).empty()) return HashKind::sha256;
  if (scram::parse(text)) return HashKind::scram;
  // "$argon2id$v=19$m=..,t=..,p=..$salt$hash": libargon2 checks the rest when verifying.
  constexpr std::string_view kArgon2id = "$argon2id$v=19$m=";
  if (text.starts_with(kArgon2id) && std::count(text.begin(), text.end(), '$') == 5) {
    return HashKind::argon2id;
  }
  return HashKind::none;
}

Account make_account(std::string_view name, std::string_view password,
                     std::string_view password_hash) {
  Account account{std::string(name), {}, {}};
  if (password_hash.empty()) {
    account.credential = credential(name, password);
    account.scram = scram::make_verifier(password);
  } else if (hash_kind(password_hash) == HashKind::sha256) {
    account.credential = credential_from_hash(password_hash);
  } else {
    account.scram = scram::parse(password_hash);
  }
  return account;
}

}  // namespace eventbot::auth
