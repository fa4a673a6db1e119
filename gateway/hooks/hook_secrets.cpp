#include "gateway/hooks/hook_secrets.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <nlohmann/json.hpp>

namespace eventbot::gateway::hooks {
namespace {

using nlohmann::json;

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

std::string sha256(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest.data()), size);
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// "sha256:<64 hex digits>" to its 32 bytes; empty if malformed.
std::string digest_from_hash(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (!text.starts_with(kPrefix) || text.size() != kPrefix.size() + 64) return {};
  std::string out;
  for (std::size_t i = kPrefix.size(); i < text.size(); i += 2) {
    auto value = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int high = value(text[i]);
    int low = value(text[i + 1]);
    if (high < 0 || low < 0) return {};
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

}  // namespace

Expected<HookOptions, std::string> hook_options(std::string_view dialect,
                                                std::string_view json_text) {
  const json options = json::parse(json_text, nullptr, false);
  if (options.is_discarded() || !options.is_object()) {
    return unexpected(std::string("the options are not a map"));
  }
  HookOptions out;
  for (const auto& [key, value] : options.items()) {
    const bool github = dialect == "github";
    const bool gitlab = dialect == "gitlab";
    if ((github || gitlab) && key == "secret") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return unexpected(std::string("secret must be a non-empty string"));
      }
      out.secret = value.get<std::string>();
    } else if (gitlab && key == "secret_hash") {
      out.secret_sha256 = value.is_string() ? digest_from_hash(value.get<std::string>()) : "";
      if (out.secret_sha256.empty()) {
        return unexpected(std::string(
            "secret_hash must be \"sha256:\" and the 64 hex digits of the token's SHA-256"));
      }
    } else if ((github || gitlab) && (key == "secret_file" || key == "secret_env")) {
      // Read into `secret` when the configuration was loaded.
    } else {
      return unexpected("unknown option \"" + key.substr(0, 64) + "\" for the " +
                        std::string(dialect) + " hook");
    }
  }
  if ((options.contains("secret_file") || options.contains("secret_env")) && out.secret.empty()) {
    return unexpected(std::string("the secret's file or variable was not read"));
  }
  if (!out.secret.empty() && !out.secret_sha256.empty()) {
    return unexpected(std::string("give one of secret and secret_hash, not both"));
  }
  return out;
}

std::string github_signature(std::string_view secret, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac.data(), &size);
  return "sha256=" + hex(mac.data(), size);
}

bool github_signature_matches(std::string_view secret, std::string_view body,
                              std::string_view header) {
  return equal_in_constant_time(github_signature(secret, body), header);
}

bool gitlab_token_matches(const HookOptions& options, std::string_view token) {
  // Digests of equal length: the comparison tells nothing of the token's length.
  const auto expected =
      options.secret_sha256.empty() ? sha256(options.secret) : options.secret_sha256;
  return equal_in_constant_time(expected, sha256(token));
}

}  // namespace eventbot::gateway::hooks
