#include "actors/config/passwords.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "actors/auth/credentials.hpp"
#include "common/file_mode.hpp"

namespace eventbot::config {
namespace {

constexpr std::size_t kMaxPasswordBytes = 4096;

// The password in `path`: its first line, without the line end.
Expected<std::string, std::string> read_password_file(const std::filesystem::path& path,
                                                      std::vector<std::string>& warnings,
                                                      const std::string& where) {
  const auto shown = path.string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return unexpected("cannot read " + shown + ": " + std::strerror(errno));
  struct stat info {};
  std::string text;
  std::string problem;
  if (::fstat(fd, &info) != 0) {
    problem = std::strerror(errno);
  } else if (!S_ISREG(info.st_mode)) {
    problem = "not a regular file";
  } else if (static_cast<std::size_t>(info.st_size) > kMaxPasswordBytes) {
    problem = "larger than " + std::to_string(kMaxPasswordBytes) + " bytes";
  } else {
    text.resize(kMaxPasswordBytes + 1);
    auto n = ::read(fd, text.data(), text.size());
    if (n < 0) problem = std::strerror(errno);
    text.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!problem.empty()) return unexpected("cannot use " + shown + ": " + problem);
  if (auto end = text.find_first_of("\r\n"); end != std::string::npos) text.resize(end);
  if (text.empty()) return unexpected(shown + " is empty");
  if (auto mode = mode_open_to_others(info.st_mode)) {
    warnings.push_back(where + ": " + shown + " (mode " + *mode +
                       ") may be read by other users: chmod 600 " + shown);
  }
  return text;
}

}  // namespace

Expected<std::vector<std::string>, std::string> resolve_passwords(
    const std::filesystem::path& master_dir, MasterConfig& config) {
  std::vector<std::string> warnings;
  std::string errors;
  auto resolve = [&](const std::string& where, const PasswordSource& from, std::string& password) {
    if (!from.file.empty()) {
      std::filesystem::path path = from.file;
      if (path.is_relative()) path = master_dir / path;
      auto text = read_password_file(path, warnings, where);
      if (text) {
        password = std::move(*text);
      } else {
        errors += where + ".password_file: " + text.error() + "\n";
      }
    } else if (!from.env.empty()) {
      const char* value = std::getenv(from.env.c_str());
      if (value && *value) {
        password = value;
      } else {
        errors += where + ".password_env: the environment variable " + from.env +
                  " is not set (or empty) for the master\n";
      }
    }
  };
  for (std::size_t i = 0; i < config.slaves.size(); ++i) {
    auto& slave = config.slaves[i];
    resolve("slaves[" + std::to_string(i) + "] (" + slave.name + ")", slave.password_from,
            slave.password);
  }
  for (std::size_t i = 0; i < config.change_sources.size(); ++i) {
    auto& source = config.change_sources[i];
    resolve("change_sources[" + std::to_string(i) + "] (" + source.name + ")", source.password_from,
            source.password);
  }
  for (std::size_t i = 0; i < config.web.users.size(); ++i) {
    auto& user = config.web.users[i];
    resolve("web.users[" + std::to_string(i) + "] (" + user.name + ")", user.password_from,
            user.password);
  }
  // The status targets' secrets: the SMTP password, http_push's password and headers
  // whose values come from files (tokens).
  for (std::size_t i = 0; i < config.status.size(); ++i) {
    auto& target = config.status[i];
    const auto where = "status[" + std::to_string(i) + "] (" + target.name + ")";
    if (target.mail) {
      auto& mail = *target.mail;
      const auto before = errors.size();
      resolve(where, mail.smtp_password_from, mail.smtp_password);
      if (errors.size() != before) {
        auto at = errors.find(where + ".password_", before);
        if (at != std::string::npos) errors.insert(at + where.size() + 1, "smtp_");
      }
    }
    if (target.irc) resolve(where, target.irc->password_from, target.irc->password);
    if (target.http_push) {
      auto& push = *target.http_push;
      resolve(where, push.password_from, push.password);
      for (const auto& [header, file] : push.header_files) {
        PasswordSource from;
        from.file = file;
        std::string value;
        const auto before = errors.size();
        const auto key = where + ".header_files." + header;
        resolve(key, from, value);
        if (errors.size() != before) {
          auto at = errors.find(key + ".password_file", before);
          if (at != std::string::npos) errors.erase(at + key.size(), 14);
          continue;
        }
        push.secret_headers[header] = value;
      }
    }
  }
  // A change hook's secret_file or secret_env becomes its `secret` (the gateway reads
  // only the options' JSON).
  for (auto& [dialect, options] : config.web.change_hooks) {
    auto object = nlohmann::json::parse(options, nullptr, false);
    if (!object.is_object()) continue;
    const auto where = "web.change_hooks." + dialect;
    for (const char* key : {"secret_file", "secret_env"}) {
      auto found = object.find(key);
      if (found == object.end() || !found->is_string()) continue;
      PasswordSource from;
      (std::string_view(key) == "secret_file" ? from.file : from.env) = found->get<std::string>();
      std::string secret;
      const auto errors_before = errors.size();
      resolve(where, from, secret);
      if (errors.size() != errors_before) {
        // resolve() names the key after the password's: say secret_... instead.
        auto at = errors.find(where + ".password_", errors_before);
        if (at != std::string::npos) errors.replace(at + where.size() + 1, 8, "secret");
        continue;
      }
      object["secret"] = secret;
      object.erase(found);
    }
    options = object.dump();
  }
  if (!errors.empty()) {
    errors.pop_back();
    return unexpected(errors);
  }
  return warnings;
}

std::vector<std::string> password_warnings(const MasterConfig& config) {
  std::vector<std::string> warnings;
  auto check = [&](const std::string& where, const std::string& name, const std::string& hash,
                   const char* command) {
    if (auth::hash_kind(hash) != auth::HashKind::sha256) return;
    warnings.push_back(where +
                       ": password_hash is the old \"sha256:\" form, which logs in by "
                       "itself to whoever reads it; replace it with what `" +
                       command + name + "` prints");
  };
  for (std::size_t i = 0; i < config.slaves.size(); ++i) {
    const auto& slave = config.slaves[i];
    check("slaves[" + std::to_string(i) + "] (" + slave.name + ")", slave.name, slave.password_hash,
          "eventbot hash-password ");
  }
  for (std::size_t i = 0; i < config.change_sources.size(); ++i) {
    const auto& source = config.change_sources[i];
    check("change_sources[" + std::to_string(i) + "] (" + source.name + ")", source.user,
          source.password_hash, "eventbot hash-password ");
  }
  for (std::size_t i = 0; i < config.web.users.size(); ++i) {
    const auto& user = config.web.users[i];
    const auto where = "web.users[" + std::to_string(i) + "] (" + user.name + ")";
    check(where, user.name, user.password_hash, "eventbot hash-password --web ");
    if (auth::hash_kind(user.password_hash) == auth::HashKind::argon2id &&
        user.port_password_hash.empty()) {
      warnings.push_back(where +
                         ": an argon2id password_hash logs in to the web pages only; "
                         "for stop-build, force and the other commands add the "
                         "port_password_hash that `eventbot hash-password --web " +
                         user.name + "` prints");
    }
  }
  return warnings;
}

}  // namespace eventbot::config
