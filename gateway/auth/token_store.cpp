#include "gateway/auth/token_store.hpp"

#include <openssl/sha.h>

#include <algorithm>

#include "gateway/auth/session_table.hpp"

namespace eventbot::gateway::auth {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

bool is_hex64(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

Expected<TokenStore, std::string> TokenStore::parse(std::string_view text) {
  TokenStore store;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    auto end = text.find('\n');
    auto line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    auto space = line.find_first_of(" \t");
    if (space == std::string_view::npos) {
      return unexpected("line " + std::to_string(number) + ": expected \"USER SHA256HEX\"");
    }
    auto user = line.substr(0, space);
    auto hash = trim(line.substr(space + 1));
    if (!is_hex64(hash)) {
      return unexpected("line " + std::to_string(number) +
                        ": the hash is not 64 lowercase hex digits");
    }
    store.entries_.push_back({std::string(user), std::string(hash)});
  }
  return store;
}

std::string TokenStore::token_from(std::string_view random32) {
  return std::string(kTokenPrefix) + hex(random32);
}

std::string TokenStore::hash_of(std::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::optional<std::string> TokenStore::user_of(std::string_view token) const {
  if (!token.starts_with(kTokenPrefix)) return std::nullopt;
  const auto hash = hash_of(token);
  std::optional<std::string> user;
  // Every entry is compared, each in constant time.
  for (const auto& entry : entries_) {
    if (same_secret(entry.sha256, hash) && !user) user = entry.user;
  }
  return user;
}

void TokenStore::add(std::string user, std::string sha256) {
  entries_.push_back({std::move(user), std::move(sha256)});
}

std::size_t TokenStore::revoke(const std::string& user, const std::string& id) {
  return std::erase_if(entries_, [&](const TokenEntry& entry) {
    return entry.user == user && (id.empty() || entry.sha256.starts_with(id));
  });
}

std::string TokenStore::text() const {
  std::string out =
      "# Eventbot's API tokens: USER SHA256-of-the-token. Written by `eventbot create-token`;\n"
      "# the tokens themselves are not kept.\n";
  for (const auto& entry : entries_) out += entry.user + " " + entry.sha256 + "\n";
  return out;
}

}  // namespace eventbot::gateway::auth
