#pragma once
// `eventbot create-token USER` and `eventbot revoke-token USER`: API tokens for the web
// gateway's scripts (`Authorization: Bearer TOKEN`). The token is printed once; the
// master directory's api_tokens (mode 0600) keeps only its SHA-256
// (gateway/auth/token_store.hpp). The running master reads the file again when it changes.
#include <filesystem>
#include <iosfwd>
#include <string>

namespace eventbot::cli {

int create_token(const std::filesystem::path& dir, const std::string& user, std::ostream& out,
                 std::ostream& err);
// Removes USER's tokens: all of them, or the one whose id (as create-token printed it)
// starts with `id`.
int revoke_token(const std::filesystem::path& dir, const std::string& user, const std::string& id,
                 std::ostream& out, std::ostream& err);

}  // namespace eventbot::cli
