#include "actors/port/handshake.hpp"

namespace eventbot::port {

wire::Challenge make_challenge(const std::string& master_id) {
  wire::Challenge challenge;
  challenge.set_nonce(auth::random_bytes(32));
  challenge.set_master_id(master_id);
  challenge.set_protocol_version(kProtocolVersion);
  return challenge;
}

Expected<Peer, std::string> check_hello(const Accounts& accounts, const wire::Challenge& challenge,
                                        const wire::Hello& hello) {
  const std::map<std::string, auth::Account>* table = nullptr;
  switch (hello.role()) {
    case wire::SLAVE:
      table = &accounts.slaves;
      break;
    case wire::CHANGE_SENDER:
      table = &accounts.change_senders;
      break;
    case wire::USER:
      table = &accounts.users;
      break;
    default:
      return unexpected(std::string("unknown role"));
  }
  auto it = table->find(hello.name());
  // An unknown name is checked against a throwaway key so that both failures take the
  // same time and give the same answer.
  static const std::string kNoSuchAccount = auth::random_bytes(32);
  const std::string& key = it == table->end() ? kNoSuchAccount : it->second.credential;
  bool ok = auth::proof_matches(auth::proof(key, challenge.nonce()), hello.proof());
  if (!ok || it == table->end()) return unexpected(std::string("wrong name or password"));
  return Peer{hello.role(), hello.name()};
}

}  // namespace eventbot::port
