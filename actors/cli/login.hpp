#pragma once
// Where a command-line tool gets the name and password it logs in with, so that the
// password need not be on the command line, where `ps` shows it to every user:
//   --auth-file FILE   the first line of FILE is USER:PASS (with --auth USER: PASS alone,
//                      so a master's password_file serves too)
//   --auth USER        the password is asked on the terminal (stdin), without echo
//   $EVENTBOT_AUTH     USER:PASS (sendchange: $EVENTBOT_SENDCHANGE_AUTH)
//   --auth USER:PASS   still accepted, but visible to other users of the machine
#include <iosfwd>
#include <optional>
#include <string>

#include "common/expected.hpp"

namespace eventbot::cli {

struct LoginOptions {
  std::string auth;       // --auth USER or USER:PASS
  std::string auth_file;  // --auth-file FILE
};

struct Login {
  std::string user;
  std::string password;
};

// "USER:PASS" split at the first colon; an error without a colon or with no user.
Expected<Login, std::string> parse_login(const std::string& text, const std::string& source);

// The login from the first source given (in the order above, the file before --auth);
// nullopt when none is (the caller's default: anonymous, or sendchange's change:changepw).
// `env` names the environment variable; `terminal` is the fd the password is asked
// from, whose echo is turned off meanwhile; `prompt` gets the question.
Expected<std::optional<Login>, std::string> resolve_login(const LoginOptions& options,
                                                          const char* env, int terminal,
                                                          std::ostream& prompt);

// One line from `fd`, a terminal, with its echo off; an error when `fd` is no terminal.
Expected<std::string, std::string> ask_password(int fd, const std::string& question,
                                                std::ostream& prompt);

}  // namespace eventbot::cli
