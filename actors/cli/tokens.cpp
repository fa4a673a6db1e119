#include "actors/cli/tokens.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>

#include "actors/auth/credentials.hpp"
#include "actors/config/config_loader.hpp"
#include "common/file_mode.hpp"
#include "gateway/auth/token_store.hpp"

namespace eventbot::cli {
namespace {

namespace fs = std::filesystem;
using gateway::auth::TokenStore;

// The store in DIR/api_tokens (empty when there is none yet).
Expected<TokenStore, std::string> read_store(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return TokenStore();
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  auto store = TokenStore::parse(text.str());
  if (!store) return unexpected(path.string() + ": " + store.error());
  return store;
}

// Writes the store to a new file of mode 0600 and renames it over the old one; the error,
// if it could not.
std::optional<std::string> write_store(const fs::path& path, const TokenStore& store) {
  const fs::path temporary = path.string() + ".new";
  ::unlink(temporary.c_str());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot write " + temporary.string() + ": " + std::strerror(errno);
  const std::string text = store.text();
  bool written = true;
  for (std::size_t done = 0; written && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    if (written) done += static_cast<std::size_t>(n);
  }
  written = ::fsync(fd) == 0 && written;
  written = ::close(fd) == 0 && written;
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return "cannot write " + path.string() + ": " + std::strerror(errno);
  }
  return std::nullopt;
}

bool is_web_user(const fs::path& dir, const std::string& user, std::ostream& err) {
  auto config = config::load_config_file(dir / "master.yaml");
  if (!config) {
    err << "eventbot: " << (dir / "master.yaml").string() << " cannot be loaded ("
        << config.error().size() << " errors; eventbot checkconfig shows them)\n";
    return false;
  }
  const auto& users = config->web.users;
  if (std::none_of(users.begin(), users.end(), [&](const auto& u) { return u.name == user; })) {
    err << "eventbot: '" << user << "' is not one of master.yaml's web.users\n";
    return false;
  }
  return true;
}

}  // namespace

int create_token(const fs::path& dir, const std::string& user, std::ostream& out,
                 std::ostream& err) {
  if (!is_web_user(dir, user, err)) return 1;
  const auto path = dir / gateway::auth::kTokenFileName;
  if (auto open = mode_open_to_others(path)) {
    err << "eventbot: " << path.string() << " had mode " << *open
        << "; it is written again with mode 0600\n";
  }
  auto store = read_store(path);
  if (!store) {
    err << "eventbot: " << store.error() << "\n";
    return 1;
  }
  const auto token = TokenStore::token_from(auth::random_bytes(32));
  const auto hash = TokenStore::hash_of(token);
  store->add(user, hash);
  if (auto failed = write_store(path, *store)) {
    err << "eventbot: " << *failed << "\n";
    return 1;
  }
  out << token << "\n";
  err << "eventbot: an API token for " << user << " (id " << TokenStore::id_of(hash)
      << "); it is not shown again. Use it as `Authorization: Bearer TOKEN`.\n";
  return 0;
}

int revoke_token(const fs::path& dir, const std::string& user, const std::string& id,
                 std::ostream& out, std::ostream& err) {
  const auto path = dir / gateway::auth::kTokenFileName;
  auto store = read_store(path);
  if (!store) {
    err << "eventbot: " << store.error() << "\n";
    return 1;
  }
  const auto removed = store->revoke(user, id);
  if (removed == 0) {
    err << "eventbot: no API token of " << user << (id.empty() ? "" : " with id " + id) << " in "
        << path.string() << "\n";
    return 1;
  }
  if (auto failed = write_store(path, *store)) {
    err << "eventbot: " << *failed << "\n";
    return 1;
  }
  out << "revoked " << removed << " API token" << (removed == 1 ? "" : "s") << " of " << user
      << "\n";
  return 0;
}

}  // namespace eventbot::cli
