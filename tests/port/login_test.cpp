// Logins over the port, both ends without I/O (ServerHandshake, ClientHandshake): SCRAM-
// SHA-256 against RFC 7677's test vector, what a stolen verifier can and cannot do, a
// client that refuses a master which does not prove itself, the old "sha256:" entries,
// anonymous users; and the web users' Argon2id hashes.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "actors/auth/credentials.hpp"
#include "actors/auth/scram.hpp"
#include "actors/auth/web_password.hpp"
#include "actors/port/handshake.hpp"

namespace eventbot::port {
namespace {

namespace scram = auth::scram;

TEST(Scram, Rfc7677TestVector) {
  // RFC 7677, section 3: user "user", password "pencil".
  const std::string client_nonce = "rOprNGfwEbeRWgbNEkqO";
  const std::string nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const auto salt = scram::unbase64("W22ZaJ0SNY7soEsUEjb6gQ==");
  ASSERT_TRUE(salt);
  const auto first = scram::server_first(nonce, *salt, 4096);
  EXPECT_EQ(first, "r=" + nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  EXPECT_EQ(scram::client_first_bare("user", client_nonce), "n=user,r=rOprNGfwEbeRWgbNEkqO");
  const auto message = scram::auth_message(scram::client_first_bare("user", client_nonce), first,
                                           scram::client_final_without_proof(nonce));
  const auto salted = scram::salted_password("pencil", *salt, 4096);
  EXPECT_EQ(scram::base64(scram::client_proof(salted, message)),
            "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_EQ(scram::base64(scram::server_signature(scram::server_key(salted), message)),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  // The master's side: the verifier alone checks that proof.
  const auto verifier = scram::make_verifier("pencil", *salt, 4096);
  EXPECT_TRUE(scram::proof_is_valid(verifier, message, scram::client_proof(salted, message)));
  auto wrong = scram::salted_password("pencil!", *salt, 4096);
  EXPECT_FALSE(scram::proof_is_valid(verifier, message, scram::client_proof(wrong, message)));
}

TEST(Scram, VerifierTextIsPostgresForm) {
  const auto verifier = scram::make_verifier("pencil");
  const auto text = scram::format(verifier);
  EXPECT_EQ(text.rfind("SCRAM-SHA-256$4096:", 0), 0u) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '$'), 2);
  EXPECT_EQ(scram::parse(text), verifier);
  EXPECT_EQ(auth::hash_kind(text), auth::HashKind::scram);
  // A second verifier of the same password has its own salt.
  EXPECT_NE(scram::make_verifier("pencil").salt, verifier.salt);
  const std::vector<std::string> bad_forms = {
      "SCRAM-SHA-256$4096:c2FsdA==$abc:def",                 // keys of the wrong size
      "SCRAM-SHA-256$0:" + text.substr(text.find(':') + 1),  // no iterations
      "SCRAM-SHA-1$4096:c2FsdA==$", "sha256:12"};
  for (const auto& bad : bad_forms) {
    EXPECT_FALSE(scram::parse(bad)) << bad;
  }
}

// One login, frame by frame, as the port carries it; `tamper` may change the master's
// frames before the client reads them.
struct Outcome {
  bool in = false;           // the master let the client in
  std::string refusal;       // the master's reason
  std::string client_error;  // why the client gave up (or refused the master)
};

Outcome login(const Accounts& accounts, ClientHandshake& client,
              const std::function<void(wire::Frame&)>& tamper = {}) {
  ServerHandshake server(accounts, "m1");
  Outcome outcome;
  auto step = server.on_frame(client.hello(server.challenge().challenge()));
  EXPECT_TRUE(step.violation.empty()) << step.violation;
  if (step.reply && tamper) tamper(*step.reply);
  if (step.reply && step.reply->has_server_first()) {
    auto final = client.final_message(step.reply->server_first());
    if (!final) {
      outcome.client_error = final.error();
      return outcome;
    }
    step = server.on_frame(*final);
    if (step.reply && tamper) tamper(*step.reply);
  }
  outcome.refusal = step.refusal;
  outcome.in = step.peer.has_value();
  if (step.reply && step.reply->has_welcome()) {
    if (auto proven = client.check_welcome(step.reply->welcome()); !proven) {
      outcome.client_error = proven.error();
    }
  }
  return outcome;
}

Accounts slave_accounts(const std::string& password_hash) {
  Accounts accounts;
  accounts.slaves["s1"] = auth::make_account("s1", "", password_hash);
  return accounts;
}

TEST(Login, TheRightPasswordLogsInAndTheMasterProvesItself) {
  const auto accounts = slave_accounts(scram::format(scram::make_verifier("pw1")));
  ClientHandshake client(wire::SLAVE, "s1", "pw1");
  auto outcome = login(accounts, client);
  EXPECT_TRUE(outcome.in);
  EXPECT_EQ(outcome.client_error, "");

  // A clear password in master.yaml works the same way.
  Accounts clear;
  clear.slaves["s1"] = auth::make_account("s1", "pw1", "");
  ClientHandshake again(wire::SLAVE, "s1", "pw1");
  EXPECT_TRUE(login(clear, again).in);
}

TEST(Login, AWrongPasswordOrAnUnknownNameIsRefusedAlike) {
  const auto accounts = slave_accounts(scram::format(scram::make_verifier("pw1")));
  ClientHandshake wrong(wire::SLAVE, "s1", "pw2");
  auto refused = login(accounts, wrong);
  EXPECT_FALSE(refused.in);
  EXPECT_EQ(refused.refusal, "wrong name or password");

  // An unknown name gets a salt and iterations like a known one, then the same answer.
  ServerHandshake server(accounts, "m1");
  ClientHandshake stranger(wire::SLAVE, "s9", "pw1");
  auto step = server.on_frame(stranger.hello(server.challenge().challenge()));
  ASSERT_TRUE(step.reply && step.reply->has_server_first());
  EXPECT_EQ(step.reply->server_first().salt().size(), 16u);
  EXPECT_EQ(step.reply->server_first().iterations(), scram::kDefaultIterations);
  auto final = stranger.final_message(step.reply->server_first());
  ASSERT_TRUE(final);
  EXPECT_EQ(server.on_frame(*final).refusal, "wrong name or password");
}

TEST(Login, AStolenVerifierDoesNotLogIn) {
  const auto verifier = scram::make_verifier("pw1");
  const auto accounts = slave_accounts(scram::format(verifier));
  // What the thief has, used as the password: the whole entry, or StoredKey's bytes.
  for (const std::string& guess : {scram::format(verifier), verifier.stored_key,
                                   scram::base64(verifier.stored_key), verifier.server_key}) {
    ClientHandshake thief(wire::SLAVE, "s1", guess);
    auto outcome = login(accounts, thief);
    EXPECT_FALSE(outcome.in);
    EXPECT_EQ(outcome.refusal, "wrong name or password");
  }
  // StoredKey used as if it were ClientKey: the proof the master expects needs ClientKey,
  // which StoredKey (its SHA-256) does not give.
  ServerHandshake server(accounts, "m1");
  wire::Frame hello;
  hello.mutable_hello()->set_role(wire::SLAVE);
  hello.mutable_hello()->set_name("s1");
  hello.mutable_hello()->set_protocol_version(kProtocolVersion);
  hello.mutable_hello()->set_client_nonce("thief");
  auto step = server.on_frame(hello);
  ASSERT_TRUE(step.reply && step.reply->has_server_first());
  const auto& first = step.reply->server_first();
  const auto message =
      scram::auth_message(scram::client_first_bare("s1", "thief"),
                          scram::server_first(first.nonce(), first.salt(), first.iterations()),
                          scram::client_final_without_proof(first.nonce()));
  std::string proof = verifier.stored_key;
  const auto signature = auth::proof(verifier.stored_key, message);  // HMAC(StoredKey, AM)
  for (std::size_t i = 0; i < proof.size(); ++i) proof[i] ^= signature[i];
  wire::Frame final;
  final.mutable_client_final()->set_nonce(first.nonce());
  final.mutable_client_final()->set_proof(proof);
  auto answer = server.on_frame(final);
  EXPECT_FALSE(answer.peer);
  EXPECT_EQ(answer.refusal, "wrong name or password");
  // Nor does the protocol-1 proof keyed by anything in the entry.
  ServerHandshake old_server(accounts, "m1");
  wire::Frame old_hello;
  old_hello.mutable_hello()->set_role(wire::SLAVE);
  old_hello.mutable_hello()->set_name("s1");
  old_hello.mutable_hello()->set_protocol_version(1);
  old_hello.mutable_hello()->set_proof(
      auth::proof(verifier.stored_key, old_server.challenge().challenge().nonce()));
  EXPECT_FALSE(old_server.on_frame(old_hello).peer);
}

TEST(Login, TheClientRefusesAMasterThatDoesNotProveItself) {
  const auto accounts = slave_accounts(scram::format(scram::make_verifier("pw1")));
  ClientHandshake client(wire::SLAVE, "s1", "pw1");
  auto forged = login(accounts, client, [](wire::Frame& frame) {
    if (frame.has_welcome()) frame.mutable_welcome()->mutable_server_signature()->at(0) ^= 1;
  });
  EXPECT_TRUE(forged.in);  // the master did let it in ...
  EXPECT_NE(forged.client_error.find("did not prove"), std::string::npos) << forged.client_error;

  // A master that skips SCRAM and welcomes at once is refused too.
  ClientHandshake hurried(wire::SLAVE, "s1", "pw1");
  wire::Challenge challenge;
  challenge.set_nonce("n");
  hurried.hello(challenge);
  wire::Welcome welcome;
  welcome.set_master_id("fake");
  EXPECT_FALSE(hurried.check_welcome(welcome));
  // And one that asks for absurd work, or a nonce not extending the client's.
  ClientHandshake greedy(wire::SLAVE, "s1", "pw1");
  auto hello = greedy.hello(challenge);
  wire::ServerFirst first;
  first.set_nonce(hello.hello().client_nonce() + "x");
  first.set_salt("salt");
  first.set_iterations(scram::kMaxIterations + 1);
  EXPECT_FALSE(greedy.final_message(first));
  first.set_iterations(4096);
  first.set_nonce("other" + hello.hello().client_nonce());
  EXPECT_FALSE(greedy.final_message(first));
}

TEST(Login, OldSha256EntriesStillLogInWithTheOldProof) {
  const auto accounts = slave_accounts(auth::credential_hash("s1", "pw1"));
  ClientHandshake client(wire::SLAVE, "s1", "pw1");
  EXPECT_TRUE(login(accounts, client).in);
  ClientHandshake wrong(wire::SLAVE, "s1", "pw2");
  EXPECT_EQ(login(accounts, wrong).refusal, "wrong name or password");

  // A protocol-1 client (an agent built before SCRAM) too.
  ServerHandshake server(accounts, "m1");
  wire::Frame hello;
  hello.mutable_hello()->set_role(wire::SLAVE);
  hello.mutable_hello()->set_name("s1");
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->set_proof(
      auth::proof(auth::credential("s1", "pw1"), server.challenge().challenge().nonce()));
  EXPECT_TRUE(server.on_frame(hello).peer);
  // But not to a SCRAM entry, which holds nothing the old proof could be checked with.
  const auto scram_accounts = slave_accounts(scram::format(scram::make_verifier("pw1")));
  ServerHandshake scram_server(scram_accounts, "m1");
  hello.mutable_hello()->set_proof(
      auth::proof(auth::credential("s1", "pw1"), scram_server.challenge().challenge().nonce()));
  EXPECT_FALSE(scram_server.on_frame(hello).peer);
}

TEST(Login, AnonymousUsersOnlyWhenSomeActionIsOpenToAnyone) {
  Accounts accounts;
  ClientHandshake anonymous(wire::USER, "", "");
  auto refused = login(accounts, anonymous);
  EXPECT_FALSE(refused.in);
  EXPECT_NE(refused.refusal.find("opens no action to anyone"), std::string::npos);
  accounts.anonymous_users = true;
  ClientHandshake again(wire::USER, "", "");
  auto in = login(accounts, again);
  EXPECT_TRUE(in.in);
  EXPECT_EQ(in.client_error, "");
  // No anonymous slave or change sender, whatever authz says.
  ClientHandshake slave(wire::SLAVE, "", "");
  EXPECT_FALSE(login(accounts, slave).in);
}

TEST(Login, FramesOutOfOrderCloseTheConnection) {
  Accounts accounts;
  ServerHandshake server(accounts, "m1");
  wire::Frame final;
  final.mutable_client_final()->set_proof("x");
  EXPECT_EQ(server.on_frame(final).violation, "first frame was not a hello");
}

TEST(WebPassword, Argon2idVerifiesTheRightPasswordOnly) {
  const auto hash = auth::argon2id_hash("correct horse");
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << hash;
  EXPECT_EQ(auth::hash_kind(hash), auth::HashKind::argon2id);
  EXPECT_NE(auth::argon2id_hash("correct horse"), hash);  // salted
  EXPECT_TRUE(auth::verify_web_password("admin", "", hash, "correct horse"));
  EXPECT_FALSE(auth::verify_web_password("admin", "", hash, "correct horse!"));
  EXPECT_FALSE(auth::verify_web_password("admin", "", hash, ""));
  auto broken = hash;
  broken.back() = broken.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(auth::verify_web_password("admin", "", broken, "correct horse"));
}

TEST(WebPassword, TheOtherStoredFormsVerifyToo) {
  const auto verifier = scram::format(scram::make_verifier("pw"));
  EXPECT_TRUE(auth::verify_web_password("admin", "", verifier, "pw"));
  EXPECT_FALSE(auth::verify_web_password("admin", "", verifier, "pw2"));
  const auto old = auth::credential_hash("admin", "pw");
  EXPECT_TRUE(auth::verify_web_password("admin", "", old, "pw"));
  EXPECT_FALSE(auth::verify_web_password("bob", "", old, "pw"));  // the name is in it
  EXPECT_TRUE(auth::verify_web_password("admin", "pw", "", "pw"));
  EXPECT_FALSE(auth::verify_web_password("admin", "pw", "", "pw2"));
  EXPECT_FALSE(auth::verify_web_password("admin", "", "", ""));  // nothing configured
}

}  // namespace
}  // namespace eventbot::port
