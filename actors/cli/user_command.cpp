#include "actors/cli/user_command.hpp"

#include <cstdlib>
#include <iostream>

#include "actors/cli/ask_master.hpp"

namespace eventbot::cli {

int run_user_command(const std::string& name, const UserOptions& options,
                     const wire::UserCommand& command) {
  std::string auth = options.auth;
  if (auth.empty()) {
    // From the environment, so that the password is not on the command line (ps).
    if (const char* env = std::getenv("EVENTBOT_AUTH")) auth = env;
  }
  if (auth.empty()) {
    std::cerr << "eventbot " << name << ": --auth USER:PASS (or EVENTBOT_AUTH) is required\n";
    return 1;
  }
  wire::Frame frame;
  *frame.mutable_user_command() = command;
  auto answer = ask_master(options.master, options.tls, auth, wire::USER, frame,
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
