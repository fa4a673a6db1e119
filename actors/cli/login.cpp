#include "actors/cli/login.hpp"

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <ostream>

#include "common/file_mode.hpp"

namespace eventbot::cli {

Expected<Login, std::string> parse_login(const std::string& text, const std::string& source) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    return unexpected(source + " must hold USER:PASS");
  }
  return Login{text.substr(0, colon), text.substr(colon + 1)};
}

Expected<std::string, std::string> ask_password(int fd, const std::string& question,
                                                std::ostream& prompt) {
  termios saved{};
  if (!::isatty(fd) || ::tcgetattr(fd, &saved) != 0) {
    return unexpected(std::string("no terminal to ask the password on"));
  }
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ICANON;
  ::tcsetattr(fd, TCSAFLUSH, &quiet);
  prompt << question << std::flush;
  std::string line;
  char c = 0;
  ssize_t n = 0;
  while ((n = ::read(fd, &c, 1)) == 1 && c != '\n') line.push_back(c);
  const int error = errno;
  ::tcsetattr(fd, TCSAFLUSH, &saved);
  prompt << "\n" << std::flush;
  if (n < 0) return unexpected(std::string("reading the password: ") + std::strerror(error));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Expected<std::optional<Login>, std::string> resolve_login(const LoginOptions& options,
                                                          const char* env, int terminal,
                                                          std::ostream& prompt) {
  if (!options.auth_file.empty()) {
    std::ifstream in(options.auth_file);
    std::string line;
    if (!in || !std::getline(in, line)) {
      return unexpected("cannot read --auth-file " + options.auth_file);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (mode_open_to_others(options.auth_file)) {
      prompt << "warning: " << options.auth_file << " may be read by other users: chmod 600 "
             << options.auth_file << "\n";
    }
    // With --auth USER the file holds the password alone (a master's password_file).
    if (!options.auth.empty() && options.auth.find(':') == std::string::npos) {
      if (line.empty()) return unexpected("--auth-file " + options.auth_file + " is empty");
      return std::optional<Login>(Login{options.auth, std::move(line)});
    }
    auto login = parse_login(line, "--auth-file " + options.auth_file);
    if (!login) return unexpected(login.error());
    return std::optional<Login>(std::move(*login));
  }
  if (!options.auth.empty()) {
    if (options.auth.find(':') != std::string::npos) {
      auto login = parse_login(options.auth, "--auth");
      if (!login) return unexpected(login.error());
      return std::optional<Login>(std::move(*login));
    }
    auto password = ask_password(terminal, "password for " + options.auth + ": ", prompt);
    if (!password) {
      return unexpected("--auth " + options.auth + " without :PASS asks the password, but " +
                        password.error() + "; use --auth-file FILE or " + env);
    }
    return std::optional<Login>(Login{options.auth, std::move(*password)});
  }
  if (const char* value = std::getenv(env); value && *value) {
    auto login = parse_login(value, env);
    if (!login) return unexpected(login.error());
    return std::optional<Login>(std::move(*login));
  }
  return std::optional<Login>();
}

}  // namespace eventbot::cli
