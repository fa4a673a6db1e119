#pragma once
// Both sides of the port's login, without I/O (events/wire.proto tells the exchange):
// the master's ServerHandshake answers each frame a client sends before it is in, the
// client's ClientHandshake makes its frames and checks that the master proved itself.
#include <map>
#include <optional>
#include <string>

#include "actors/auth/credentials.hpp"
#include "common/expected.hpp"
#include "events/wire.pb.h"

namespace eventbot::port {

// 2: SCRAM-SHA-256. The master still accepts protocol 1's proof (see wire.proto).
inline constexpr std::uint32_t kProtocolVersion = 2;

// Who may connect, by role and name.
struct Accounts {
  std::map<std::string, auth::Account> slaves;
  std::map<std::string, auth::Account> change_senders;
  std::map<std::string, auth::Account> users;  // web.users, for user commands
  // A USER without a name may log in: web.authz opens some action to anyone.
  bool anonymous_users = false;
};

struct Peer {
  wire::Role role = wire::ROLE_UNSPECIFIED;
  std::string name;  // empty: an anonymous user
};

// What the master does with one frame of a client that is not in yet: send `reply`
// (a ServerFirst, the Welcome or the Refused), and then, with `peer`, let it in; with
// `refusal`, close after the reply; with `violation`, close at once without a reply.
struct HandshakeStep {
  std::optional<wire::Frame> reply;
  std::optional<Peer> peer;
  std::string refusal;    // names no secret, does not tell an unknown name from a wrong password
  std::string violation;  // the client broke the protocol
};

class ServerHandshake {
 public:
  // `accounts` must outlive the handshake.
  ServerHandshake(const Accounts& accounts, std::string master_id);

  // The first frame, sent as soon as the connection is up.
  const wire::Frame& challenge() const { return challenge_; }
  HandshakeStep on_frame(const wire::Frame& frame);
  // The client's hello (for the log of a refusal).
  const wire::Hello& hello() const { return hello_; }

 private:
  HandshakeStep on_hello(const wire::Hello& hello);
  HandshakeStep on_final(const wire::ClientFinal& final);
  HandshakeStep welcome(std::string server_signature);
  HandshakeStep refuse(std::string reason);

  enum class State { want_hello, want_final, done };
  enum class Mode { scram, legacy, unknown };
  const Accounts& accounts_;
  std::string master_id_;
  wire::Frame challenge_;
  wire::Hello hello_;
  State state_ = State::want_hello;
  Mode mode_ = Mode::unknown;
  const auth::Account* account_ = nullptr;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;
};

class ClientHandshake {
 public:
  // An empty `name` with role USER logs in anonymously.
  ClientHandshake(wire::Role role, std::string name, std::string password);
  ~ClientHandshake();

  // The hello answering the master's challenge.
  wire::Frame hello(const wire::Challenge& challenge);
  // The final answering the master's ServerFirst, or why the client will not go on.
  Expected<wire::Frame, std::string> final_message(const wire::ServerFirst& first);
  // Whether the welcome proves that the master holds this account's verifier.
  Expected<Ok, std::string> check_welcome(const wire::Welcome& welcome) const;

 private:
  wire::Role role_;
  std::string name_;
  std::string password_;
  std::string challenge_nonce_;
  std::string client_nonce_;
  std::string expected_signature_;  // empty until the final is made
  bool legacy_ = false;
};

}  // namespace eventbot::port
