#pragma once
// One question to a master over its port, for the command-line tools: connect to
// HOST:PORT (with TLS when `tls` says so), log in as `login` in `role` (an empty user:
// anonymously), send one frame, wait for the answer.
#include <chrono>
#include <string>

#include "actors/cli/login.hpp"
#include "actors/port/tls.hpp"
#include "common/expected.hpp"
#include "events/wire.pb.h"

namespace eventbot::cli {

// The master's answer, or what went wrong (address, refusal, timeout, an Error frame).
Expected<wire::Frame, std::string> ask_master(const std::string& master, const port::ClientTls& tls,
                                              const Login& login, wire::Role role,
                                              const wire::Frame& question,
                                              std::chrono::seconds timeout);

}  // namespace eventbot::cli
