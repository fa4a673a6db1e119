// The master's side of slave connections, with a real Master in the test process and
// raw protocol clients standing in for agents (so the test decides what they answer):
// a duplicate connection is refused while the first answers its ping and replaces it
// when it does not; a slave gone longer than missing_timeout is recorded missing; a
// refused password is recorded once, rate-limited.
#include <gtest/gtest.h>

#include "tests/master/master_inprocess_support.hpp"

namespace eventbot::master_test {
namespace {

std::string config(const std::string& slave_extra = "") {
  return R"(master:
  id: test-master
  slave_port: 0
slaves:
  - {name: s1, password: pw)" +
         slave_extra + R"(}
builders:
  - name: runtests
    slaves: [s1]
    steps:
      - {type: shell, command: "true"}
)";
}

class SlaveLink : public InProcessMaster {
 protected:
  void start_with(const std::string& yaml, std::chrono::milliseconds arbitrate) {
    write_file(dir_ / "master.yaml", yaml);
    master::MasterOptions options;
    options.dir = dir_.path();
    options.clock = &clock_;
    options.slave_port = 0;
    options.web_port = 0;  // tests run in parallel: never the fixed 8010
    slaves::SlaveTimings timings;
    timings.arbitrate = arbitrate;
    options.slave_timings = timings;
    auto started = master::Master::start(options);
    ASSERT_TRUE(started) << started.error();
    master_ = std::move(*started);
  }

  // An authenticated slave connection that has sent its SlaveInfo.
  std::unique_ptr<port::PortClient> slave(const std::string& host,
                                          const std::string& password = "pw") {
    auto client = port::PortClient::connect("127.0.0.1", master_->slave_port(), wire::SLAVE, "s1",
                                            password, std::chrono::seconds(10));
    if (!client) return nullptr;
    wire::Frame info;
    info.mutable_slave_info()->set_host(host);
    info.mutable_slave_info()->set_cpus(2);
    EXPECT_TRUE((*client)->send(info));
    return std::move(*client);
  }

  // The next frame of a kind, skipping others (pings, settings); nullopt on timeout/close.
  static std::optional<wire::Frame> next(port::PortClient& client, wire::Frame::BodyCase kind,
                                         std::chrono::milliseconds within = 10s) {
    auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      auto frame = client.receive(std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now()));
      if (!frame) return std::nullopt;
      if (frame->body_case() == kind) return *frame;
    }
    return std::nullopt;
  }

  std::vector<Envelope> slave_events() {
    return events_where(log(),
                        [](const Envelope& e) { return e.stream() == streams::slave("s1"); });
  }
};

TEST_F(SlaveLink, ADuplicateIsRefusedWhileTheFirstConnectionAnswers) {
  start_with(config(), 2s);
  auto first = slave("first-host");
  ASSERT_TRUE(first);
  ASSERT_TRUE(next(*first, wire::Frame::kSlaveSettings));
  auto second = slave("second-host");
  ASSERT_TRUE(second);
  // The master pings the first connection; it answers, so it stays.
  auto ping = next(*first, wire::Frame::kPing);
  ASSERT_TRUE(ping);
  wire::Frame pong;
  pong.mutable_pong()->set_nonce(ping->ping().nonce());
  ASSERT_TRUE(first->send(pong));
  auto refused = next(*second, wire::Frame::kRefused);
  ASSERT_TRUE(refused) << "the duplicate was not refused";
  EXPECT_NE(refused->refused().reason().find("already connected"), std::string::npos);
  // One attachment, from the first host, and no detach.
  auto events = slave_events();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].has_slave_attached());
  EXPECT_EQ(events[0].slave_attached().host(), "first-host");
}

TEST_F(SlaveLink, ASilentFirstConnectionIsReplacedByTheNewOne) {
  start_with(config(), 300ms);
  auto first = slave("first-host");
  ASSERT_TRUE(first);
  ASSERT_TRUE(next(*first, wire::Frame::kSlaveSettings));
  auto second = slave("second-host");
  ASSERT_TRUE(second);
  // The first never answers its ping: after the arbitration the second is in use.
  ASSERT_TRUE(next(*second, wire::Frame::kSlaveSettings)) << "the new connection was not taken";
  ASSERT_TRUE(testing::wait_until([&] { return slave_events().size() >= 3; }));
  auto events = slave_events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].slave_attached().host(), "first-host");
  ASSERT_TRUE(events[1].has_slave_detached());
  EXPECT_NE(events[1].slave_detached().reason().find("replaced"), std::string::npos);
  EXPECT_EQ(events[2].slave_attached().host(), "second-host");
}

TEST_F(SlaveLink, ASlaveGoneLongerThanMissingTimeoutIsRecordedMissing) {
  start_with(config(", notify_on_missing: [ops@example.org], missing_timeout: 1"), 2s);
  {
    auto connection = slave("host");
    ASSERT_TRUE(connection);
    ASSERT_TRUE(next(*connection, wire::Frame::kSlaveSettings));
  }  // closed
  ASSERT_TRUE(testing::wait_until(
      [&] {
        for (const auto& e : slave_events()) {
          if (e.has_slave_missing()) return true;
        }
        return false;
      },
      10s))
      << "no SlaveMissing";
  auto events = slave_events();
  ASSERT_GE(events.size(), 3u);
  EXPECT_TRUE(events[1].has_slave_detached());
  EXPECT_TRUE(events[2].has_slave_missing());
}

TEST_F(SlaveLink, RefusedPasswordsAreRecordedOncePerMinute) {
  start_with(config(), 2s);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(slave("host", "wrong"));
  ASSERT_TRUE(testing::wait_until([&] { return !slave_events().empty(); }));
  auto events = slave_events();
  ASSERT_EQ(events.size(), 1u) << "rate limiting let more than one through";
  ASSERT_TRUE(events[0].has_slave_auth_failed());
  EXPECT_EQ(events[0].slave_auth_failed().slave(), "s1");
  EXPECT_EQ(events[0].slave_auth_failed().reason(), "wrong name or password");
  EXPECT_EQ(events[0].slave_auth_failed().suppressed(), 0u);
}

}  // namespace
}  // namespace eventbot::master_test
