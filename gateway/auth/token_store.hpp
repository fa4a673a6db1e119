#pragma once
// API tokens for scripts (`Authorization: Bearer TOKEN`): the master keeps only each
// token's SHA-256, in DIR/api_tokens (mode 0600), one "USER SHA256HEX" a line ('#'
// starts a comment). `eventbot create-token` adds a line and prints the token once;
// `eventbot revoke-token` removes lines. Pure: parsing, lookup, editing, formatting.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace eventbot::gateway::auth {

// What a token looks like: "ebt_" and 64 hex digits (32 random bytes).
inline constexpr std::string_view kTokenPrefix = "ebt_";
inline constexpr char kTokenFileName[] = "api_tokens";

struct TokenEntry {
  std::string user;
  std::string sha256;  // 64 lowercase hex digits
  bool operator==(const TokenEntry&) const = default;
};

class TokenStore {
 public:
  // The file's text; an error names the first malformed line.
  static Expected<TokenStore, std::string> parse(std::string_view text);

  // The token made from 32 random bytes.
  static std::string token_from(std::string_view random32);
  // SHA-256 of the token's text, as 64 lowercase hex digits.
  static std::string hash_of(std::string_view token);
  // A token's short id as create-token prints it: the first 12 hex digits of its hash.
  static std::string id_of(const std::string& sha256) { return sha256.substr(0, 12); }

  // The user a token belongs to, if it is in the store.
  std::optional<std::string> user_of(std::string_view token) const;

  void add(std::string user, std::string sha256);
  // Removes USER's tokens (only the one whose id starts with `id`, when given); returns
  // how many.
  std::size_t revoke(const std::string& user, const std::string& id = {});

  std::string text() const;
  const std::vector<TokenEntry>& entries() const { return entries_; }

 private:
  std::vector<TokenEntry> entries_;
};

}  // namespace eventbot::gateway::auth
