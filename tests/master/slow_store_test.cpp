// A master whose store is slow still answers its slaves' heartbeats: the port's I/O
// thread only parses and hands over, so appends that wait for the disk (a sendchange, a
// refused slave's record, a forced build's buildset) hold neither the I/O thread nor the
// other connections. Real master, real port, real sockets: 100 clients speaking the
// slave protocol; the store is a real RocksDB behind a gate the test closes
// (tests/support/gated_event_log.hpp), so "slow" lasts exactly until the test says.
#include <gtest/gtest.h>

#include "tests/master/master_inprocess_support.hpp"
#include "tests/support/gated_event_log.hpp"

namespace eventbot::master_test {
namespace {

using testing::wait_until;

// How long a heartbeat may take to be answered, with the store stalled.
constexpr auto kHeartbeatDeadline = 2s;

std::string slave_name(int i) {
  char name[8];
  std::snprintf(name, sizeof name, "s%03d", i);
  return name;
}

// `slaves` slaves, a sendchange source, a force scheduler for a builder whose only slave
// ("idle") never connects (so no build starts), and a user who may force builds.
std::string config(int slaves) {
  std::string yaml = R"(master:
  id: test-master
  slave_port: 0
slaves:
  - {name: idle, password: pw}
)";
  for (int i = 0; i < slaves; ++i) yaml += "  - {name: " + slave_name(i) + ", password: pw}\n";
  yaml += R"(change_sources:
  - {type: sendchange, user: change, password: changepw}
schedulers:
  - {type: force, name: force, builders: [b]}
builders:
  - name: b
    slaves: [idle]
    steps:
      - {type: shell, command: "true"}
web:
  users:
    - {name: admin, password: adminpw}
  authz:
    force_build: authenticated
)";
  return yaml;
}

class SlowStore : public InProcessMaster {
 protected:
  void TearDown() override {
    if (gate_) gate_->open();
    slaves_.clear();
    InProcessMaster::TearDown();
  }

  void start_with_gate(int slaves) {
    write_file(dir_ / "master.yaml", config(slaves));
    master::MasterOptions options;
    options.dir = dir_.path();
    options.clock = &clock_;
    options.slave_port = 0;
    options.web_port = 0;  // tests run in parallel: never the fixed 8010
    options.wrap_log = [this](store::EventLog& store) {
      auto gated = std::make_unique<testing::GatedEventLog>(store);
      gate_ = gated.get();
      return gated;
    };
    auto started = master::Master::start(options);
    ASSERT_TRUE(started) << started.error();
    master_ = std::move(*started);
    ASSERT_TRUE(gate_);
  }

  std::unique_ptr<port::PortClient> connect(wire::Role role, const std::string& name,
                                            const std::string& password) {
    auto client =
        port::PortClient::connect("127.0.0.1", master_->slave_port(), role, name, password, 10s);
    EXPECT_TRUE(client) << name << ": " << client.error();
    return client ? std::move(*client) : nullptr;
  }

  // The next frame of a kind, skipping others (the master's pings, settings); nothing
  // once `until` passes.
  static std::optional<wire::Frame> next(port::PortClient& client, wire::Frame::BodyCase kind,
                                         std::chrono::steady_clock::time_point until) {
    for (;;) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= until) return std::nullopt;
      auto frame =
          client.receive(std::chrono::duration_cast<std::chrono::milliseconds>(until - now));
      if (!frame) return std::nullopt;
      if (frame->body_case() == kind) return *frame;
    }
  }

  // `n` slaves connected, each attached (the master sent it its settings).
  void attach(int n) {
    for (int i = 0; i < n; ++i) {
      auto client = connect(wire::SLAVE, slave_name(i), "pw");
      ASSERT_TRUE(client);
      wire::Frame info;
      info.mutable_slave_info()->set_host("host-" + std::to_string(i));
      ASSERT_TRUE(client->send(info));
      slaves_.push_back(std::move(client));
    }
    const auto until = std::chrono::steady_clock::now() + 30s;
    for (auto& client : slaves_) {
      ASSERT_TRUE(next(*client, wire::Frame::kSlaveSettings, until)) << "a slave did not attach";
    }
  }

  // Every slave sends a heartbeat (Ping); how many were answered (Pong with its nonce)
  // within kHeartbeatDeadline of the first one sent.
  std::size_t heartbeats_answered() {
    const auto sent = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < slaves_.size(); ++i) {
      wire::Frame ping;
      ping.mutable_ping()->set_nonce(1000 + i);
      EXPECT_TRUE(slaves_[i]->send(ping));
    }
    std::size_t answered = 0;
    for (std::size_t i = 0; i < slaves_.size(); ++i) {
      auto pong = next(*slaves_[i], wire::Frame::kPong, sent + kHeartbeatDeadline);
      if (pong && pong->pong().nonce() == 1000 + i) ++answered;
    }
    return answered;
  }

  testing::GatedEventLog* gate_ = nullptr;
  std::vector<std::unique_ptr<port::PortClient>> slaves_;
};

wire::Frame change_frame(const std::string& file) {
  wire::Frame frame;
  auto* change = frame.mutable_submit_change()->mutable_change();
  change->set_who("dev");
  change->set_branch("main");
  change->add_files(file);
  return frame;
}

// The store stalls (every append waits at the gate) while a refused slave is recorded
// and a change is submitted: 100 slaves' heartbeats are all answered on time, and the
// refusal and the change's answer still arrive (the refusal at once, the change once
// its append went through).
TEST_F(SlowStore, HundredSlavesHeartbeatsAreAnsweredWhileAppendsWait) {
  start_with_gate(100);
  attach(100);
  ASSERT_EQ(slaves_.size(), 100u);
  ASSERT_EQ(heartbeats_answered(), 100u) << "with a fast store";

  auto sender = connect(wire::CHANGE_SENDER, "change", "changepw");
  ASSERT_TRUE(sender);
  gate_->close();
  // A wrong password: refused at once; its SlaveAuthFailed waits for the store.
  auto refused = port::PortClient::connect("127.0.0.1", master_->slave_port(), wire::SLAVE, "s001",
                                           "wrong", 5s);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("wrong name or password"), std::string::npos) << refused.error();
  ASSERT_TRUE(sender->send(change_frame("slow.c")));
  ASSERT_TRUE(wait_until([&] { return gate_->held() >= 1; })) << "no append reached the store";

  EXPECT_EQ(heartbeats_answered(), 100u)
      << "heartbeats late while the store was slow (more than "
      << std::chrono::milliseconds(kHeartbeatDeadline).count() << " ms)";
  EXPECT_GE(gate_->held(), 1u) << "the store was no longer slow when the heartbeats came back";

  gate_->open();
  auto recorded =
      next(*sender, wire::Frame::kChangeRecorded, std::chrono::steady_clock::now() + 10s);
  ASSERT_TRUE(recorded) << "the change was not answered once the store went on";
  EXPECT_EQ(recorded->change_recorded().change_id(), 1u);
  ASSERT_TRUE(wait_until([&] {
    return count_where(log(), [](const Envelope& e) { return e.has_slave_auth_failed(); }) == 1;
  })) << "the refused slave was not recorded";
}

// A forced build whose buildset append is slow: its user waits for the answer, other
// connections' heartbeats do not, and the answer comes once the scheduler has decided.
TEST_F(SlowStore, AForceWhoseAppendIsSlowDelaysNoHeartbeat) {
  start_with_gate(10);
  attach(10);
  auto user = connect(wire::USER, "admin", "adminpw");
  ASSERT_TRUE(user);

  gate_->close();
  wire::Frame force;
  force.mutable_user_command()->mutable_force_build()->set_scheduler("force");
  force.mutable_user_command()->mutable_force_build()->set_reason("slow store");
  ASSERT_TRUE(user->send(force));
  ASSERT_TRUE(wait_until([&] { return gate_->held() >= 1; })) << "the force appended nothing";

  EXPECT_EQ(heartbeats_answered(), 10u) << "heartbeats late while a force waited for the store";
  EXPECT_GE(gate_->held(), 1u);

  gate_->open();
  auto result =
      next(*user, wire::Frame::kUserCommandResult, std::chrono::steady_clock::now() + 30s);
  ASSERT_TRUE(result) << "the force was not answered once the store went on";
  EXPECT_TRUE(result->user_command_result().ok()) << result->user_command_result().message();
  EXPECT_EQ(buildsets_of(log(), "force").size(), 1u) << "answered before the buildset was durable";
}

// A sender that goes away while its change waits for the store: the change is recorded,
// its answer has nowhere to go and is dropped, and the next sender is answered as usual.
TEST_F(SlowStore, AnAnswerToAConnectionClosedMeanwhileIsDropped) {
  start_with_gate(1);
  gate_->close();
  {
    auto sender = connect(wire::CHANGE_SENDER, "change", "changepw");
    ASSERT_TRUE(sender);
    ASSERT_TRUE(sender->send(change_frame("gone.c")));
    ASSERT_TRUE(wait_until([&] { return gate_->held() >= 1; }));
  }  // closed while its append is held
  gate_->open();
  ASSERT_TRUE(wait_until([&] {
    return count_where(log(), [](const Envelope& e) { return e.has_change_added(); }) == 1;
  })) << "the change of the closed connection was lost";
  EXPECT_EQ(send_change(master_->slave_port(), "dev", "main", "next.c"), 2u);
}

}  // namespace
}  // namespace eventbot::master_test
