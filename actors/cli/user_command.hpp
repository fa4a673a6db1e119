#pragma once
// `eventbot stop-build | cancel-request | shutdown-slave | force`: a web user's commands
// from the command line, over the master's port, authorised by web.authz.
#include <string>

#include "actors/cli/login.hpp"
#include "actors/port/tls.hpp"
#include "events/wire.pb.h"

namespace eventbot::cli {

struct UserOptions {
  std::string master;   // HOST:PORT of the slave port
  port::ClientTls tls;  // --tls, --ca FILE
  LoginOptions login;   // a web.users account (login.hpp); none: anonymous
  int timeout_seconds = 30;
};

// Prints the master's answer; returns the exit code (0: done, 1: refused or failed).
int run_user_command(const std::string& name, const UserOptions& options,
                     const wire::UserCommand& command);

}  // namespace eventbot::cli
