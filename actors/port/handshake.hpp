#pragma once
// The master's side of the handshake, without I/O: make a challenge, check a hello.
#include <map>
#include <string>

#include "actors/auth/credentials.hpp"
#include "common/expected.hpp"
#include "events/wire.pb.h"

namespace eventbot::port {

inline constexpr std::uint32_t kProtocolVersion = 1;

// Who may connect, by role and name.
struct Accounts {
  std::map<std::string, auth::Account> slaves;
  std::map<std::string, auth::Account> change_senders;
  std::map<std::string, auth::Account> users;  // web.users, for user commands
};

struct Peer {
  wire::Role role = wire::ROLE_UNSPECIFIED;
  std::string name;
};

wire::Challenge make_challenge(const std::string& master_id);

// The authenticated peer, or the reason to refuse it. The reason names no secret and
// does not tell an unknown name from a wrong password.
Expected<Peer, std::string> check_hello(const Accounts& accounts, const wire::Challenge& challenge,
                                        const wire::Hello& hello);

}  // namespace eventbot::port
