#include "actors/cli/user_command.hpp"

#include <iostream>

#include "actors/cli/ask_master.hpp"

namespace eventbot::cli {

int run_user_command(const std::string& name, const UserOptions& options,
                     const wire::UserCommand& command) {
  auto login = resolve_login(options.login, "EVENTBOT_AUTH", 0, std::cerr);
  if (!login) {
    std::cerr << "eventbot " << name << ": " << login.error() << "\n";
    return 1;
  }
  // No login given: anonymous, which the master accepts for what web.authz opens to anyone.
  if (!*login) login->emplace();
  wire::Frame frame;
  *frame.mutable_user_command() = command;
  auto answer = ask_master(options.master, options.tls, **login, wire::USER, frame,
                           std::chrono::seconds(options.timeout_seconds));
  if (!answer) {
    std::cerr << "eventbot " << name << ": " << answer.error() << "\n";
    return 1;
  }
  if (!answer->has_user_command_result()) {
    std::cerr << "eventbot " << name << ": unexpected answer from the master\n";
    return 1;
  }
  const auto& result = answer->user_command_result();
  (result.ok() ? std::cout : std::cerr)
      << "eventbot " << name << ": " << result.message() << std::endl;
  return result.ok() ? 0 : 1;
}

}  // namespace eventbot::cli
