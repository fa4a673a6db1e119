// Bad input on the master's port, from a raw WebSocket client: each bad connection is
// closed alone, nothing it sent is recorded, and a well-behaved sendchange client still
// works. (A client that never says hello is dropped after the port's hello timeout, a
// fixed 10 s: not tested here, to keep the suite fast.)
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "actors/auth/credentials.hpp"
#include "actors/port/frame_codec.hpp"
#include "actors/port/handshake.hpp"
#include "actors/port/port_server.hpp"
#include "tests/master/master_inprocess_support.hpp"

namespace eventbot::master_test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using testing::wait_until;

// A WebSocket client that sends whatever it is told to.
class RawClient {
 public:
  // Connects and completes the WebSocket handshake; the master's challenge is next.
  beast::error_code connect(unsigned short port) {
    beast::error_code ec;
    auto& stream = beast::get_lowest_layer(ws_);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return ec;
    ws_.binary(true);
    ws_.read_message_max(port::kMaxFrameBytes);
    ws_.handshake("127.0.0.1", "/", ec);
    return ec;
  }

  // One message; the error says why there is none (timeout: the peer said nothing).
  beast::error_code read(std::string& message,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    beast::get_lowest_layer(ws_).expires_after(timeout);
    beast::error_code ec;
    buffer_.consume(buffer_.size());
    ws_.read(buffer_, ec);
    if (!ec) message = beast::buffers_to_string(buffer_.data());
    return ec;
  }

  beast::error_code read_frame(wire::Frame& frame) {
    std::string message;
    if (auto ec = read(message)) return ec;
    auto decoded = port::decode_frame(message);
    EXPECT_TRUE(decoded) << decoded.error();
    if (decoded) frame = *decoded;
    return {};
  }

  beast::error_code write(const std::string& bytes) {
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::error_code ec;
    ws_.write(asio::buffer(bytes), ec);
    return ec;
  }

  // Reads the challenge and answers it as the sendchange account.
  void authenticate() {
    wire::Frame challenge;
    ASSERT_FALSE(read_frame(challenge));
    ASSERT_TRUE(challenge.has_challenge()) << challenge.DebugString();
    wire::Frame hello;
    hello.mutable_hello()->set_role(wire::CHANGE_SENDER);
    hello.mutable_hello()->set_name("change");
    hello.mutable_hello()->set_protocol_version(port::kProtocolVersion);
    hello.mutable_hello()->set_proof(
        auth::proof(auth::credential("change", "changepw"), challenge.challenge().nonce()));
    ASSERT_FALSE(write(port::encode_frame(hello)));
    wire::Frame welcome;
    ASSERT_FALSE(read_frame(welcome));
    ASSERT_TRUE(welcome.has_welcome()) << welcome.DebugString();
  }

  // Whether the master closed the connection: the next read fails, and not because
  // the master merely said nothing.
  ::testing::AssertionResult closed_by_master() {
    std::string message;
    auto ec = read(message);
    if (!ec) return ::testing::AssertionFailure() << "the master sent a message: " << message;
    if (ec == beast::error::timeout) {
      return ::testing::AssertionFailure() << "the connection is still open";
    }
    return ::testing::AssertionSuccess() << ec.message();
  }

 private:
  asio::io_context io_;
  websocket::stream<beast::tcp_stream> ws_{io_};
  beast::flat_buffer buffer_;
};

class PortInput : public InProcessMaster {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(start(basic_config())); }

  std::size_t changes() {
    return count_where(log(), [](const Envelope& e) { return e.has_change_added(); });
  }

  // A well-behaved sendchange still works, and its change is recorded.
  void expect_sendchange_works(std::uint64_t expected_id) {
    EXPECT_EQ(send_change(master_->slave_port(), "alice", "main", "ok.c"), expected_id);
    EXPECT_EQ(changes(), expected_id);
  }
};

TEST_F(PortInput, GarbageAfterTheChallengeClosesThatConnectionOnly) {
  RawClient good_so_far;  // connected first, authenticated after the garbage
  ASSERT_FALSE(good_so_far.connect(master_->slave_port()));
  RawClient raw;
  ASSERT_FALSE(raw.connect(master_->slave_port()));
  std::string challenge;
  ASSERT_FALSE(raw.read(challenge));
  ASSERT_TRUE(port::decode_frame(challenge));
  ASSERT_FALSE(raw.write(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\x07garbage", 16)));
  EXPECT_TRUE(raw.closed_by_master());

  // Another connection, open all along, is untouched.
  ASSERT_NO_FATAL_FAILURE(good_so_far.authenticate());
  expect_sendchange_works(1);
}

TEST_F(PortInput, AFrameThatIsNotAHelloFirstIsDropped) {
  RawClient raw;
  ASSERT_FALSE(raw.connect(master_->slave_port()));
  std::string challenge;
  ASSERT_FALSE(raw.read(challenge));
  wire::Frame frame;
  frame.mutable_submit_change()->mutable_change()->set_who("mallory");
  ASSERT_FALSE(raw.write(port::encode_frame(frame)));
  EXPECT_TRUE(raw.closed_by_master());
  EXPECT_EQ(changes(), 0u);
  expect_sendchange_works(1);
}

TEST_F(PortInput, AWrongProofIsRefusedAndClosed) {
  RawClient raw;
  ASSERT_FALSE(raw.connect(master_->slave_port()));
  wire::Frame challenge;
  ASSERT_FALSE(raw.read_frame(challenge));
  wire::Frame hello;
  hello.mutable_hello()->set_role(wire::CHANGE_SENDER);
  hello.mutable_hello()->set_name("change");
  hello.mutable_hello()->set_protocol_version(port::kProtocolVersion);
  hello.mutable_hello()->set_proof(
      auth::proof(auth::credential("change", "wrong"), challenge.challenge().nonce()));
  ASSERT_FALSE(raw.write(port::encode_frame(hello)));
  wire::Frame refused;
  ASSERT_FALSE(raw.read_frame(refused));
  EXPECT_TRUE(refused.has_refused()) << refused.DebugString();
  EXPECT_TRUE(raw.closed_by_master());
  EXPECT_EQ(changes(), 0u);
  expect_sendchange_works(1);
}

// A valid SubmitChange just over the limit: without the limit it would be recorded.
TEST_F(PortInput, AnOversizedFrameIsRefusedBeforeItIsRead) {
  RawClient raw;
  ASSERT_FALSE(raw.connect(master_->slave_port()));
  ASSERT_NO_FATAL_FAILURE(raw.authenticate());
  wire::Frame frame;
  frame.mutable_submit_change()->mutable_change()->set_who("alice");
  frame.mutable_submit_change()->mutable_change()->set_comments(
      std::string(port::kMaxFrameBytes, 'x'));
  const auto bytes = port::encode_frame(frame);
  ASSERT_GT(bytes.size(), port::kMaxFrameBytes);
  // The write may fail half-way, as the master closes the connection when it refuses.
  (void)raw.write(bytes);
  EXPECT_TRUE(raw.closed_by_master());
  EXPECT_EQ(changes(), 0u);
  expect_sendchange_works(1);

  // Just under the limit is read and answered, not closed: the change's own limits
  // (actors/intake/limits.hpp) then refuse comments that long, naming the field.
  RawClient big;
  ASSERT_FALSE(big.connect(master_->slave_port()));
  ASSERT_NO_FATAL_FAILURE(big.authenticate());
  frame.mutable_submit_change()->mutable_change()->set_comments(
      std::string(port::kMaxFrameBytes - 64, 'x'));
  ASSERT_LE(port::encode_frame(frame).size(), port::kMaxFrameBytes);
  ASSERT_FALSE(big.write(port::encode_frame(frame)));
  wire::Frame answer;
  ASSERT_FALSE(big.read_frame(answer));
  ASSERT_TRUE(answer.has_error()) << answer.DebugString();
  EXPECT_NE(
      answer.error().message().find("comments is " + std::to_string(port::kMaxFrameBytes - 64) +
                                    " bytes long; at most 65536 are accepted"),
      std::string::npos)
      << answer.error().message();
  EXPECT_EQ(changes(), 1u);
}

TEST_F(PortInput, ManyBadClientsLeaveTheMasterServing) {
  for (int i = 0; i < 20; ++i) {
    RawClient raw;
    ASSERT_FALSE(raw.connect(master_->slave_port()));
    std::string challenge;
    ASSERT_FALSE(raw.read(challenge));
    ASSERT_FALSE(raw.write(std::string(1 + i, static_cast<char>(0xff))));
    EXPECT_TRUE(raw.closed_by_master()) << "client " << i;
  }
  expect_sendchange_works(1);
}

}  // namespace
}  // namespace eventbot::master_test

namespace eventbot::master_test {
namespace {

// Hands nothing to anyone: the port's own handshake is under test.
class NoFrames final : public port::ConnectionHandler {
 public:
  void on_frame(const std::shared_ptr<port::Connection>&, const wire::Frame&) override {}
};

// A client that connects and never answers the challenge is dropped once the hello
// timeout passes, and does not keep the port from serving others.
TEST(PortHelloTimeout, ASilentClientIsDroppedAfterTheHelloTimeout) {
  port::PortOptions options;
  options.port = 0;
  options.master_id = "hello-test";
  options.limits.login_timeout = std::chrono::milliseconds(200);
  auto accounts = std::make_shared<port::Accounts>();
  accounts->change_senders.emplace("change", auth::make_account("change", "changepw", ""));
  auto server = port::PortServer::start(options, accounts, std::make_shared<NoFrames>());
  ASSERT_TRUE(server) << server.error();

  RawClient silent;
  ASSERT_FALSE(silent.connect((*server)->port()));
  std::string challenge;
  ASSERT_FALSE(silent.read(challenge));
  EXPECT_TRUE(silent.closed_by_master());

  RawClient next;
  ASSERT_FALSE(next.connect((*server)->port()));
  ASSERT_FALSE(next.read(challenge));
  auto decoded = port::decode_frame(challenge);
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->has_challenge());
}

}  // namespace
}  // namespace eventbot::master_test
