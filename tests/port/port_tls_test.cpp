// The master's port with TLS: a real PortServer and real clients over 127.0.0.1, with
// certificates made by `openssl`. What is tried: the right authority, a wrong one, a
// certificate for another host, a plain client on a TLS port and a TLS client on a
// plain one, bytes that are neither, a client that says nothing, a renewed certificate,
// broken certificate files. What must survive: the port goes on serving good clients,
// and no refused client ever reaches the handler.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <fstream>
#include <mutex>

#include "actors/auth/credentials.hpp"
#include "actors/port/port_client.hpp"
#include "actors/port/port_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_certificates.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::port {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;
using testing::TestCertificate;
using testing::wait_until;
namespace asio = boost::asio;

// Echoes every frame back and counts who got in.
class EchoHandler final : public ConnectionHandler {
 public:
  void on_authenticated(const std::shared_ptr<Connection>&) override {
    std::lock_guard lock(mutex_);
    ++authenticated_;
  }
  void on_frame(const std::shared_ptr<Connection>& connection, const wire::Frame& frame) override {
    connection->send(frame);
  }
  int authenticated() {
    std::lock_guard lock(mutex_);
    return authenticated_;
  }

 private:
  std::mutex mutex_;
  int authenticated_ = 0;
};

class PortTls : public ::testing::Test {
 protected:
  void SetUp() override {
    good_ = testing::make_test_certificate(dir_.path(), "master", "DNS:localhost,IP:127.0.0.1");
    other_host_ = testing::make_test_certificate(dir_.path(), "elsewhere", "DNS:other.example");
  }

  void start(const TestCertificate* certificate,
             std::chrono::milliseconds hello_timeout = 10'000ms) {
    PortOptions options;
    options.port = 0;
    options.master_id = "tls-test";
    options.limits.login_timeout = hello_timeout;
    if (certificate) {
      auto tls = make_server_tls(certificate->certificate, certificate->key);
      ASSERT_TRUE(tls) << tls.error();
      options.tls = *tls;
    }
    auto accounts = std::make_shared<Accounts>();
    accounts->change_senders["change"] = auth::make_account("change", "changepw", "");
    auto server = PortServer::start(options, accounts, handler_);
    ASSERT_TRUE(server) << server.error();
    server_ = std::move(*server);
  }

  Expected<std::unique_ptr<PortClient>, std::string> connect(const std::string& host,
                                                             ClientTls tls) {
    return PortClient::connect(MasterAddress{host, server_->port(), std::move(tls)},
                               wire::CHANGE_SENDER, "change", "changepw", 10s);
  }

  // A client trusting `certificate` authenticates and gets a frame echoed.
  void expect_round_trip(const std::string& host, const TestCertificate& certificate) {
    auto client = connect(host, ClientTls{true, certificate.certificate.string()});
    ASSERT_TRUE(client) << client.error();
    wire::Frame ping;
    ping.mutable_ping()->set_nonce(42);
    ASSERT_TRUE((*client)->send(ping));
    auto echo = (*client)->receive(10s);
    ASSERT_TRUE(echo) << echo.error();
    EXPECT_EQ(echo->ping().nonce(), 42u);
  }

  TempDir dir_{"eventbot-tls"};
  TestCertificate good_, other_host_;
  std::shared_ptr<EchoHandler> handler_ = std::make_shared<EchoHandler>();
  std::unique_ptr<PortServer> server_;
};

TEST_F(PortTls, ClientTrustingTheCertificateAuthenticatesByNameAndByAddress) {
  start(&good_);
  expect_round_trip("localhost", good_);
  expect_round_trip("127.0.0.1", good_);
  EXPECT_EQ(handler_->authenticated(), 2);
}

TEST_F(PortTls, LargeFramesCrossTheTlsLayerIntact) {
  start(&good_);
  auto client = connect("127.0.0.1", ClientTls{true, good_.certificate.string()});
  ASSERT_TRUE(client) << client.error();
  std::string text(6 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + (i * 7919) % 26);
  wire::Frame big;
  big.mutable_submit_change()->mutable_change()->set_comments(text);
  ASSERT_TRUE((*client)->send(big));
  auto echo = (*client)->receive(30s);
  ASSERT_TRUE(echo) << echo.error();
  EXPECT_TRUE(echo->submit_change().change().comments() == text);
}

TEST_F(PortTls, UnknownAuthorityIsRefusedAndThePortGoesOn) {
  start(&good_);
  auto client = connect("127.0.0.1", ClientTls{true, other_host_.certificate.string()});
  ASSERT_FALSE(client);
  EXPECT_NE(client.error().find("certificate verify failed"), std::string::npos) << client.error();
  EXPECT_EQ(handler_->authenticated(), 0);
  expect_round_trip("127.0.0.1", good_);
}

TEST_F(PortTls, CertificateForAnotherHostIsRefused) {
  start(&other_host_);  // names other.example only; the client trusts it but asks for 127.0.0.1
  auto client = connect("127.0.0.1", ClientTls{true, other_host_.certificate.string()});
  ASSERT_FALSE(client);
  EXPECT_NE(client.error().find("certificate verify failed"), std::string::npos) << client.error();
  EXPECT_NE(client.error().find("IP address mismatch"), std::string::npos) << client.error();
  auto by_name = connect("localhost", ClientTls{true, other_host_.certificate.string()});
  ASSERT_FALSE(by_name);
  EXPECT_NE(by_name.error().find("hostname mismatch"), std::string::npos) << by_name.error();
  EXPECT_EQ(handler_->authenticated(), 0);
}

TEST_F(PortTls, SystemTrustStoreDoesNotTrustASelfSignedCertificate) {
  start(&good_);
  auto client = connect("localhost", ClientTls{true, ""});
  ASSERT_FALSE(client);
  EXPECT_NE(client.error().find("certificate verify failed"), std::string::npos) << client.error();
}

TEST_F(PortTls, PlainClientOnATlsPortIsToldTlsIsRequired) {
  start(&good_);
  auto client = connect("127.0.0.1", ClientTls{});
  ASSERT_FALSE(client);
  EXPECT_NE(client.error().find("requires TLS"), std::string::npos) << client.error();
  EXPECT_EQ(handler_->authenticated(), 0);
  expect_round_trip("127.0.0.1", good_);
}

TEST_F(PortTls, TlsClientOnAPlainPortGetsAHint) {
  start(nullptr);
  auto client = connect("127.0.0.1", ClientTls{true, good_.certificate.string()});
  ASSERT_FALSE(client);
  EXPECT_NE(client.error().find("TLS handshake with the master failed"), std::string::npos)
      << client.error();
  EXPECT_NE(client.error().find("master.tls"), std::string::npos) << client.error();
  auto plain = connect("127.0.0.1", ClientTls{});
  EXPECT_TRUE(plain) << plain.error();
}

// Reads from a raw socket until the peer closes it; false if it is still open at the
// deadline.
bool closed_by_peer(asio::ip::tcp::socket& socket, std::chrono::milliseconds deadline) {
  return wait_until(
      [&] {
        char byte;
        boost::system::error_code ec;
        socket.non_blocking(true);
        socket.read_some(asio::buffer(&byte, 1), ec);
        return ec && ec != asio::error::would_block;
      },
      deadline);
}

// Bytes that look like a TLS record but are no ClientHello count as a plain client; as
// they are no HTTP request either, the connection is closed at once (the hello timeout
// is far away).
TEST_F(PortTls, BytesThatAreNeitherTlsNorHttpCloseThatConnectionOnly) {
  start(&good_, 60'000ms);
  asio::io_context io;
  asio::ip::tcp::socket raw(io);
  raw.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  using namespace std::string_literals;  // the bytes hold a NUL
  const auto garbage = "\x16\x03\x01\x00\x05garbage-that-is-no-client-hello\r\n\r\n"s;
  asio::write(raw, asio::buffer(garbage));
  EXPECT_TRUE(closed_by_peer(raw, 20s));
  expect_round_trip("127.0.0.1", good_);
  EXPECT_EQ(handler_->authenticated(), 1);
}

TEST_F(PortTls, SilentConnectionIsDroppedAfterTheHelloTimeout) {
  start(&good_, 300ms);
  asio::io_context io;
  asio::ip::tcp::socket raw(io);
  raw.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  EXPECT_TRUE(closed_by_peer(raw, 10s));
  expect_round_trip("127.0.0.1", good_);
}

TEST_F(PortTls, RenewedCertificateServesNewConnections) {
  start(&good_);
  auto renewed =
      testing::make_test_certificate(dir_.path(), "renewed", "DNS:localhost,IP:127.0.0.1");
  auto open = connect("127.0.0.1", ClientTls{true, good_.certificate.string()});
  ASSERT_TRUE(open) << open.error();
  auto tls = make_server_tls(renewed.certificate, renewed.key);
  ASSERT_TRUE(tls) << tls.error();
  server_->set_tls(*tls);
  expect_round_trip("127.0.0.1", renewed);
  EXPECT_FALSE(connect("127.0.0.1", ClientTls{true, good_.certificate.string()}));
  // The connection made before the renewal still works.
  wire::Frame ping;
  ping.mutable_ping()->set_nonce(7);
  ASSERT_TRUE((*open)->send(ping));
  auto echo = (*open)->receive(10s);
  ASSERT_TRUE(echo) << echo.error();
  EXPECT_EQ(echo->ping().nonce(), 7u);
}

TEST_F(PortTls, BrokenCertificateFilesAreNamedInTheError) {
  auto missing = make_server_tls(dir_ / "nope.pem", good_.key);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("nope.pem does not exist"), std::string::npos) << missing.error();

  auto mismatched = make_server_tls(good_.certificate, other_host_.key);
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.error().find("elsewhere.key"), std::string::npos) << mismatched.error();

  std::ofstream(dir_ / "garbage.pem") << "not a certificate\n";
  auto garbage = make_server_tls(dir_ / "garbage.pem", good_.key);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().find("garbage.pem"), std::string::npos) << garbage.error();

  // An encrypted key fails at once (no passphrase prompt that would hang a daemon).
  auto encrypted = dir_ / "encrypted.key";
  auto made =
      testing::run_process({"/usr/bin/openssl", "pkey", "-in", good_.key.string(), "-aes256",
                            "-passout", "pass:secret", "-out", encrypted.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto locked = make_server_tls(good_.certificate, encrypted);
  ASSERT_FALSE(locked);
  EXPECT_NE(locked.error().find("encrypted.key"), std::string::npos) << locked.error();
  EXPECT_NE(locked.error().find("unencrypted"), std::string::npos) << locked.error();

  auto no_ca = make_client_tls(ClientTls{true, (dir_ / "missing-ca.pem").string()});
  ASSERT_FALSE(no_ca);
  EXPECT_NE(no_ca.error().find("missing-ca.pem does not exist"), std::string::npos)
      << no_ca.error();
  auto bad_ca = make_client_tls(ClientTls{true, (dir_ / "garbage.pem").string()});
  ASSERT_FALSE(bad_ca);
  EXPECT_NE(bad_ca.error().find("garbage.pem"), std::string::npos) << bad_ca.error();
}

}  // namespace
}  // namespace eventbot::port
