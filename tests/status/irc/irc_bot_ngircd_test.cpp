// The IRC bot (IrcClient around BotCore) against a real IRC server: Debian's ngircd,
// started on 127.0.0.1 by the test, with a test client in the channel. What is tried: a
// question in the channel, a private question answered in several lines (throttled, none
// lost), and the server restarted under the bot, which reconnects and joins again.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "actors/status/irc/bot_core.hpp"
#include "actors/status/irc/irc_client.hpp"
#include "tests/support/background_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::status::irc {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using eventbot::testing::wait_until;

constexpr char kNgircd[] = "/usr/sbin/ngircd";

unsigned short free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

bool port_open(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return open;
}

// A person in the channel: a plain blocking client that reads lines with a deadline.
class TestClient {
 public:
  TestClient(unsigned short port, std::string nick) : nick_(std::move(nick)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    send("NICK " + nick_);
    send("USER " + nick_ + " 0 * :" + nick_);
  }
  ~TestClient() { ::close(fd_); }

  bool connected() const { return connected_; }
  void send(const std::string& line) {
    const std::string text = line + "\r\n";
    (void)!::write(fd_, text.data(), text.size());
  }
  // Reads until a line contains `what` (answering PINGs); false at the deadline.
  bool wait_for(const std::string& what, std::chrono::milliseconds deadline = 10s) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      while (auto line = next_line()) {
        seen_.push_back(*line);
        if (line->rfind("PING", 0) == 0) send("PONG" + line->substr(4));
        if (line->find(what) != std::string::npos) return true;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buffer[4096];
      const auto n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) return false;
      input_.append(buffer, static_cast<std::size_t>(n));
    }
  }
  std::string transcript() const {
    std::string out;
    for (const auto& line : seen_) out += line + "\n";
    return out;
  }

 private:
  std::optional<std::string> next_line() {
    const auto end = input_.find("\r\n");
    if (end == std::string::npos) return std::nullopt;
    auto line = input_.substr(0, end);
    input_.erase(0, end + 2);
    return line;
  }

  std::string nick_;
  int fd_ = -1;
  bool connected_ = false;
  std::string input_;
  std::vector<std::string> seen_;
};

class IrcBotNgircd : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kNgircd)) GTEST_SKIP() << "ngircd is not installed (scripts/install-deps.sh)";
    port_ = free_port();
    std::ofstream(dir_.path() / "ngircd.conf")
        << "[Global]\nName = irc.eventbot.test\nInfo = Eventbot's test server\n"
        << "Listen = 127.0.0.1\nPorts = " << port_ << "\nMotdPhrase = \"test\"\n"
        << "ServerUID = 65534\nServerGID = 65534\n"
        << "[Options]\nPAM = no\nIdent = no\nDNS = no\n"
        << "[Channel]\nName = #builds\nModes = +n\n";
    start_server();
    BotOptions options;
    options.nick = "eventbot";
    options.channels = {"#builds"};
    options.version = "test";
    options.use_colors = false;
    core_ = std::make_unique<BotCore>(options);
    IrcClientOptions client;
    client.port = port_;
    client.nick = "eventbot";
    client.burst = 2;
    client.interval = 200ms;
    client.first_retry = 100ms;
    client.max_retry = 400ms;
    IrcClientHandlers handlers;
    handlers.on_registered = [this] { carry_out(core_->connected()); };
    handlers.on_message = [this](const std::string& from, const std::string& to,
                                 const std::string& text) {
      carry_out(core_->on_message(from, to, text, view()));
    };
    client_ = std::make_unique<IrcClient>(io_, client, handlers);
    client_->start();
    io_thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }

  void TearDown() override {
    if (!client_) return;
    boost::asio::post(io_, [this] { client_->stop(); });
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
    client_.reset();
    server_.stop();
  }

  void start_server() {
    ASSERT_TRUE(server_.start({kNgircd, "-n", "-f", (dir_.path() / "ngircd.conf").string()},
                              (dir_.path() / "ngircd.log").string()));
    ASSERT_TRUE(wait_until([&] { return port_open(port_); }, 10s)) << server_.output();
  }

  static StatusView view() {
    StatusView v;
    BuilderStatus runtests;
    runtests.name = "runtests";
    runtests.online = true;
    v.builders = {runtests};
    return v;
  }

  void carry_out(const std::vector<Action>& actions) {
    for (const auto& action : actions) {
      if (auto* say = std::get_if<Say>(&action)) client_->say(say->target, say->text, say->notice);
      if (auto* join = std::get_if<Join>(&action)) client_->send("JOIN", {join->channel});
      if (auto* part = std::get_if<Part>(&action)) client_->send("PART", {part->channel});
    }
  }

  // A person in #builds once the bot is there too.
  std::unique_ptr<TestClient> person(const std::string& nick) {
    auto client = std::make_unique<TestClient>(port_, nick);
    EXPECT_TRUE(client->connected());
    EXPECT_TRUE(client->wait_for(" 001 ")) << client->transcript();
    client->send("JOIN #builds");
    EXPECT_TRUE(client->wait_for(" 366 ")) << client->transcript();  // end of NAMES
    const bool bot_there = wait_until(
        [&] {
          client->send("NAMES #builds");
          return client->wait_for("eventbot", 300ms);
        },
        10s);
    EXPECT_TRUE(bot_there) << client->transcript();
    return client;
  }

  eventbot::testing::TempDir dir_;
  unsigned short port_ = 0;
  eventbot::testing::BackgroundProcess server_;
  boost::asio::io_context io_;
  std::unique_ptr<BotCore> core_;
  std::unique_ptr<IrcClient> client_;
  std::thread io_thread_;
};

TEST_F(IrcBotNgircd, AnswersInTheChannelAndInPrivateWithEveryLineOfAThrottledReply) {
  auto alice = person("alice");
  alice->send("PRIVMSG #builds :eventbot: list builders");
  EXPECT_TRUE(alice->wait_for("PRIVMSG #builds :Configured builders: runtests"))
      << alice->transcript();
  // Four lines with a burst of two: the last two wait for the throttle, none is lost.
  alice->send("PRIVMSG eventbot :dance");
  for (const char* move : {"<(^.^<)", "<(^.^)>", "(>^.^)>", "(7^.^)7"}) {
    EXPECT_TRUE(alice->wait_for(std::string("PRIVMSG alice :") + move)) << alice->transcript();
  }
  EXPECT_TRUE(server_.running()) << "no flood kick: " << server_.output();
}

TEST_F(IrcBotNgircd, ReconnectsAndJoinsAgainAfterTheServerRestarts) {
  { auto alice = person("alice"); }
  server_.stop();
  start_server();
  auto bob = person("bob");
  bob->send("PRIVMSG #builds :eventbot, version");
  EXPECT_TRUE(bob->wait_for("PRIVMSG #builds :The current Eventbot version is test"))
      << bob->transcript();
}

}  // namespace
}  // namespace eventbot::status::irc
