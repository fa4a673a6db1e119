#include "actors/port/handshake.hpp"

#include <openssl/crypto.h>

namespace eventbot::port {
namespace {

constexpr char kWrong[] = "wrong name or password";

const std::map<std::string, auth::Account>* table_of(const Accounts& accounts, wire::Role role) {
  switch (role) {
    case wire::SLAVE:
      return &accounts.slaves;
    case wire::CHANGE_SENDER:
      return &accounts.change_senders;
    case wire::USER:
      return &accounts.users;
    default:
      return nullptr;
  }
}

// An unknown name gets a made-up salt that stays the same for that name while this
// master runs (as PostgreSQL's mock authentication), so that the answer does not tell
// it from a known one.
std::string mock_salt(wire::Role role, const std::string& name) {
  static const std::string kKey = auth::random_bytes(32);
  return auth::proof(kKey, std::to_string(role) + ":" + name).substr(0, 16);
}

}  // namespace

ServerHandshake::ServerHandshake(const Accounts& accounts, std::string master_id)
    : accounts_(accounts), master_id_(std::move(master_id)) {
  auto* challenge = challenge_.mutable_challenge();
  challenge->set_nonce(auth::random_bytes(32));
  challenge->set_master_id(master_id_);
  challenge->set_protocol_version(kProtocolVersion);
}

HandshakeStep ServerHandshake::on_frame(const wire::Frame& frame) {
  if (state_ == State::want_hello) {
    if (!frame.has_hello()) return {{}, {}, {}, "first frame was not a hello"};
    hello_ = frame.hello();
    return on_hello(hello_);
  }
  if (state_ == State::want_final) {
    if (!frame.has_client_final()) return {{}, {}, {}, "expected the client's final message"};
    return on_final(frame.client_final());
  }
  return {{}, {}, {}, "a frame after the handshake ended"};
}

HandshakeStep ServerHandshake::on_hello(const wire::Hello& hello) {
  const auto* table = table_of(accounts_, hello.role());
  if (!table) return refuse("unknown role");
  if (hello.role() == wire::USER && hello.name().empty()) {
    if (!accounts_.anonymous_users) {
      return refuse("web.authz opens no action to anyone: log in as a web user");
    }
    return welcome({});
  }
  auto it = table->find(hello.name());
  account_ = it == table->end() ? nullptr : &it->second;

  if (hello.client_nonce().empty()) {
    // Protocol 1: the proof is in the hello. An unknown name is checked against a
    // throwaway key so that both failures take the same time and give the same answer.
    static const std::string kNoSuchAccount = auth::random_bytes(32);
    const bool has_old = account_ && !account_->credential.empty();
    const std::string& key = has_old ? account_->credential : kNoSuchAccount;
    bool ok = auth::proof_matches(auth::proof(key, challenge_.challenge().nonce()), hello.proof());
    if (!ok || !has_old) {
      return refuse(std::string(kWrong) + " (or a client too old for this account's entry)");
    }
    return welcome({});
  }

  if (!auth::scram::is_valid_nonce(hello.client_nonce())) {
    return {{}, {}, {}, "a client nonce that SCRAM does not allow"};
  }
  wire::Frame reply;
  auto* first = reply.mutable_server_first();
  if (account_ && !account_->scram && !account_->credential.empty()) {
    mode_ = Mode::legacy;
    first->set_legacy(true);
  } else {
    mode_ = account_ && account_->scram ? Mode::scram : Mode::unknown;
    const std::string salt =
        mode_ == Mode::scram ? account_->scram->salt : mock_salt(hello.role(), hello.name());
    const std::uint32_t iterations =
        mode_ == Mode::scram ? account_->scram->iterations : auth::scram::kDefaultIterations;
    nonce_ = hello.client_nonce() + auth::scram::new_nonce();
    first->set_nonce(nonce_);
    first->set_salt(salt);
    first->set_iterations(iterations);
    client_first_bare_ = auth::scram::client_first_bare(hello.name(), hello.client_nonce());
    server_first_ = auth::scram::server_first(nonce_, salt, iterations);
  }
  state_ = State::want_final;
  return {std::move(reply), {}, {}, {}};
}

HandshakeStep ServerHandshake::on_final(const wire::ClientFinal& final) {
  if (mode_ == Mode::legacy) {
    bool ok = auth::proof_matches(auth::proof(account_->credential, challenge_.challenge().nonce()),
                                  final.proof());
    return ok ? welcome({}) : refuse(kWrong);
  }
  if (final.nonce() != nonce_) return refuse("the client's nonce does not match");
  const auto message = auth::scram::auth_message(client_first_bare_, server_first_,
                                                 auth::scram::client_final_without_proof(nonce_));
  if (mode_ != Mode::scram ||
      !auth::scram::proof_is_valid(*account_->scram, message, final.proof())) {
    return refuse(kWrong);
  }
  return welcome(auth::scram::server_signature(account_->scram->server_key, message));
}

HandshakeStep ServerHandshake::welcome(std::string server_signature) {
  state_ = State::done;
  HandshakeStep step;
  step.reply.emplace();
  auto* welcome = step.reply->mutable_welcome();
  welcome->set_master_id(master_id_);
  welcome->set_server_signature(std::move(server_signature));
  step.peer = Peer{hello_.role(), hello_.name()};
  return step;
}

HandshakeStep ServerHandshake::refuse(std::string reason) {
  state_ = State::done;
  HandshakeStep step;
  step.reply.emplace();
  step.reply->mutable_refused()->set_reason(reason);
  step.refusal = std::move(reason);
  return step;
}

ClientHandshake::ClientHandshake(wire::Role role, std::string name, std::string password)
    : role_(role), name_(std::move(name)), password_(std::move(password)) {}

ClientHandshake::~ClientHandshake() {
  OPENSSL_cleanse(password_.data(), password_.size());
}

wire::Frame ClientHandshake::hello(const wire::Challenge& challenge) {
  challenge_nonce_ = challenge.nonce();
  wire::Frame frame;
  auto* hello = frame.mutable_hello();
  hello->set_role(role_);
  hello->set_name(name_);
  hello->set_protocol_version(kProtocolVersion);
  if (!name_.empty() || role_ != wire::USER) {
    client_nonce_ = auth::scram::new_nonce();
    hello->set_client_nonce(client_nonce_);
  }
  return frame;
}

Expected<wire::Frame, std::string> ClientHandshake::final_message(const wire::ServerFirst& first) {
  if (client_nonce_.empty())
    return unexpected(std::string("the master asked an anonymous login for a proof"));
  wire::Frame frame;
  auto* final = frame.mutable_client_final();
  if (first.legacy()) {
    // An old "sha256:" entry on the master: the protocol-1 proof, and no proof back.
    legacy_ = true;
    final->set_proof(auth::proof(auth::credential(name_, password_), challenge_nonce_));
    return frame;
  }
  if (!first.nonce().starts_with(client_nonce_) || first.nonce().size() == client_nonce_.size() ||
      !auth::scram::is_valid_nonce(first.nonce())) {
    return unexpected(std::string("the master's SCRAM nonce does not extend ours"));
  }
  if (first.iterations() == 0 || first.iterations() > auth::scram::kMaxIterations ||
      first.salt().empty()) {
    return unexpected("the master asked for " + std::to_string(first.iterations()) +
                      " iterations or an empty salt");
  }
  auto salted = auth::scram::salted_password(password_, first.salt(), first.iterations());
  const auto message = auth::scram::auth_message(
      auth::scram::client_first_bare(name_, client_nonce_),
      auth::scram::server_first(first.nonce(), first.salt(), first.iterations()),
      auth::scram::client_final_without_proof(first.nonce()));
  final->set_nonce(first.nonce());
  final->set_proof(auth::scram::client_proof(salted, message));
  expected_signature_ = auth::scram::server_signature(auth::scram::server_key(salted), message);
  OPENSSL_cleanse(salted.data(), salted.size());
  return frame;
}

Expected<Ok, std::string> ClientHandshake::check_welcome(const wire::Welcome& welcome) const {
  if (legacy_ || client_nonce_.empty()) return Ok{};
  if (expected_signature_.empty() ||
      !auth::proof_matches(expected_signature_, welcome.server_signature())) {
    return unexpected(std::string(
        "the master did not prove that it knows this account's verifier (a wrong master, or "
        "one in between?)"));
  }
  return Ok{};
}

}  // namespace eventbot::port
