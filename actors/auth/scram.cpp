#include "actors/auth/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <charconv>
#include <stdexcept>

#include "actors/auth/credentials.hpp"

namespace eventbot::auth::scram {
namespace {

std::string hmac(std::string_view key, std::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string sha256(std::string_view bytes) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string exclusive_or(std::string_view a, std::string_view b) {
  std::string out(a);
  for (std::size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] ^= b[i];
  return out;
}

}  // namespace

std::string salted_password(std::string_view password, std::string_view salt,
                            std::uint32_t iterations) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    throw std::runtime_error("PBKDF2 failed");
  }
  return out;
}

std::string client_key(std::string_view salted) {
  return hmac(salted, "Client Key");
}
std::string server_key(std::string_view salted) {
  return hmac(salted, "Server Key");
}
std::string stored_key(std::string_view client) {
  return sha256(client);
}

Verifier make_verifier(std::string_view password, std::uint32_t iterations) {
  return make_verifier(password, random_bytes(16), iterations);
}

Verifier make_verifier(std::string_view password, std::string_view salt, std::uint32_t iterations) {
  auto salted = salted_password(password, salt, iterations);
  Verifier verifier{iterations, std::string(salt), stored_key(client_key(salted)),
                    server_key(salted)};
  OPENSSL_cleanse(salted.data(), salted.size());
  return verifier;
}

std::string format(const Verifier& v) {
  return std::string(kPrefix) + std::to_string(v.iterations) + ":" + base64(v.salt) + "$" +
         base64(v.stored_key) + ":" + base64(v.server_key);
}

std::optional<Verifier> parse(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  auto dollar = text.find('$');
  if (dollar == std::string_view::npos) return std::nullopt;
  auto head = text.substr(0, dollar), keys = text.substr(dollar + 1);
  auto colon = head.find(':'), key_colon = keys.find(':');
  if (colon == std::string_view::npos || key_colon == std::string_view::npos) return std::nullopt;
  Verifier v;
  auto digits = head.substr(0, colon);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v.iterations);
  if (ec != std::errc() || end != digits.data() + digits.size() || v.iterations == 0 ||
      v.iterations > kMaxIterations) {
    return std::nullopt;
  }
  auto salt = unbase64(head.substr(colon + 1));
  auto stored = unbase64(keys.substr(0, key_colon));
  auto server = unbase64(keys.substr(key_colon + 1));
  if (!salt || salt->empty() || !stored || stored->size() != SHA256_DIGEST_LENGTH || !server ||
      server->size() != SHA256_DIGEST_LENGTH) {
    return std::nullopt;
  }
  v.salt = std::move(*salt);
  v.stored_key = std::move(*stored);
  v.server_key = std::move(*server);
  return v;
}

std::string client_first_bare(std::string_view user, std::string_view client_nonce) {
  std::string out = "n=";
  for (char c : user) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
  out += ",r=";
  out += client_nonce;
  return out;
}

std::string server_first(std::string_view nonce, std::string_view salt, std::uint32_t iterations) {
  return "r=" + std::string(nonce) + ",s=" + base64(salt) + ",i=" + std::to_string(iterations);
}

std::string client_final_without_proof(std::string_view nonce) {
  return "c=biws,r=" + std::string(nonce);
}

std::string auth_message(std::string_view client_first_bare, std::string_view server_first,
                         std::string_view client_final_without_proof) {
  std::string out(client_first_bare);
  out += ',';
  out += server_first;
  out += ',';
  out += client_final_without_proof;
  return out;
}

std::string client_proof(std::string_view salted, std::string_view auth_message) {
  auto key = client_key(salted);
  return exclusive_or(key, hmac(stored_key(key), auth_message));
}

std::string server_signature(std::string_view server_key, std::string_view auth_message) {
  return hmac(server_key, auth_message);
}

bool proof_is_valid(const Verifier& verifier, std::string_view auth_message,
                    std::string_view proof) {
  if (proof.size() != SHA256_DIGEST_LENGTH || verifier.stored_key.size() != SHA256_DIGEST_LENGTH) {
    return false;
  }
  auto key = exclusive_or(proof, hmac(verifier.stored_key, auth_message));
  return proof_matches(verifier.stored_key, sha256(key));
}

std::string new_nonce() {
  return base64(random_bytes(18));
}

bool is_valid_nonce(std::string_view nonce) {
  if (nonce.empty() || nonce.size() > 256) return false;
  for (char c : nonce) {
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  }
  return true;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
  if (length < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

}  // namespace eventbot::auth::scram
