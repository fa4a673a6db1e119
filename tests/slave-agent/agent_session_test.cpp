// The real agent process (`eventbot-slave start --foreground`) against a test master
// built from the real port: the protocol end to end (docs/SLAVE-PROTOCOL.md).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <memory>

#include "tests/slave-agent/agent_process.hpp"
#include "tests/slave-agent/test_master.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_certificates.hpp"

namespace eventbot::testing {
namespace {

using namespace std::chrono_literals;

// Quick reconnects and resume deadlines for tests (slave.yaml knobs); the session is
// under test, not `start`: the agent does not wait for the master's first answer
// (start_timeout 0), so a refusal or a silent master is retried like a later one.
constexpr char kTestKnobs[] = "retry_initial: 0.2\nresume_timeout: 30\nstart_timeout: 0\n";

class AgentSession : public ::testing::Test {
 protected:
  std::filesystem::path slave_dir() { return dir_.path() / "slave"; }

  std::unique_ptr<AgentProcess> start_agent(std::map<std::string, std::string> env = {},
                                            const std::string& password = TestMaster::kPassword,
                                            const std::string& knobs = kTestKnobs,
                                            std::vector<std::string> options = {}) {
    auto created = create_slave(slave_dir(), master_.port(), TestMaster::kSlave, password, knobs,
                                std::move(options));
    EXPECT_EQ(created.exit_code, 0) << created.err;
    return std::make_unique<AgentProcess>(slave_dir(), std::move(env));
  }

  // Starts the agent and waits until it has sent its SlaveInfo.
  std::unique_ptr<AgentProcess> connected_agent(std::map<std::string, std::string> env = {},
                                                std::vector<std::string> options = {}) {
    auto agent = start_agent(std::move(env), TestMaster::kPassword, kTestKnobs, std::move(options));
    EXPECT_TRUE(master_.wait([&] { return master_.handler().infos.size() == 1; })) << agent->log();
    return agent;
  }

  static wire::Frame shell(const std::string& id, const std::string& script) {
    wire::Frame frame;
    auto* start = frame.mutable_start_command();
    start->set_command_id(id);
    start->set_builder("b1");
    auto* args = start->mutable_shell();
    args->add_argv("/bin/sh");
    args->add_argv("-c");
    args->add_argv(script);
    args->set_workdir("build");
    args->set_want_stdout(true);
    args->set_want_stderr(true);
    return frame;
  }

  // The output of one kind, from the updates in seq order, each seq once.
  std::string output_of(const std::string& id, wire::OutputKind kind) {
    return master_.handler().with_lock([&] {
      std::map<std::uint64_t, const wire::CommandUpdate*> by_seq;
      for (const auto& update : master_.handler().commands[id].updates)
        by_seq[update.seq()] = &update;
      std::string text;
      for (const auto& [seq, update] : by_seq) {
        for (const auto& output : update->output()) {
          if (output.kind() == kind) text += output.data();
        }
      }
      return text;
    });
  }

  bool complete(const std::string& id) {
    return master_.wait([&] { return master_.handler().commands[id].complete; });
  }

  void expect_no_password_in_log(const AgentProcess& agent) {
    auto log = agent.log();
    EXPECT_FALSE(log.empty());
    EXPECT_EQ(log.find(TestMaster::kPassword), std::string::npos) << log;
  }

  TempDir dir_{"eventbot-slave-agent"};
  TestMaster master_;
};

TEST_F(AgentSession, SlaveInfoDescribesTheSlave) {
  std::filesystem::create_directories(slave_dir() / "info");
  { std::ofstream(slave_dir() / "info" / "admin") << "Alice <alice@example.org>\n"; }
  auto agent = connected_agent(
      {{"MY_API_TOKEN", "tok-123"}, {"DB_PASSWORD", "pw-456"}, {"PLAIN_SETTING", "visible"}});
  auto info = master_.handler().with_lock([&] { return master_.handler().infos[0]; });
  EXPECT_EQ(info.admin(), "Alice <alice@example.org>");  // create-slave kept it
  EXPECT_NE(info.host().find("description of this build host"), std::string::npos);
  EXPECT_NE(info.os().find("Linux"), std::string::npos) << info.os();
  EXPECT_GE(info.cpus(), 1u);
  EXPECT_FALSE(info.version().empty());
  EXPECT_EQ(info.environ().at("MY_API_TOKEN"), "***");
  EXPECT_EQ(info.environ().at("DB_PASSWORD"), "***");
  EXPECT_EQ(info.environ().at("PLAIN_SETTING"), "visible");
  EXPECT_NE(std::find(info.commands().begin(), info.commands().end(), "shell"),
            info.commands().end());
  EXPECT_EQ(std::filesystem::path(info.basedir()), std::filesystem::weakly_canonical(slave_dir()));
  EXPECT_EQ(info.running_size(), 0);
  EXPECT_FALSE(info.allow_shutdown());
  expect_no_password_in_log(*agent);
}

TEST_F(AgentSession, ShellCommandOutputAndExitCodeEndToEnd) {
  auto agent = connected_agent();
  master_.handler().send(shell("b1/1/1", "echo hello; echo oops >&2; pwd; exit 3"));
  ASSERT_TRUE(complete("b1/1/1")) << agent->log();
  auto result =
      master_.handler().with_lock([&] { return master_.handler().commands["b1/1/1"].result; });
  EXPECT_EQ(result.outcome(), wire::FINISHED);
  EXPECT_EQ(result.rc(), 3);
  auto out = output_of("b1/1/1", wire::STDOUT);
  EXPECT_EQ(out.substr(0, 6), "hello\n");
  EXPECT_NE(out.find("/slave/b1/build"), std::string::npos) << out;  // the builder's dir
  EXPECT_EQ(output_of("b1/1/1", wire::STDERR), "oops\n");
  // Sequence numbers 1..n, the completion last.
  master_.handler().with_lock([&] {
    const auto& updates = master_.handler().commands["b1/1/1"].updates;
    for (std::size_t i = 0; i < updates.size(); ++i) EXPECT_EQ(updates[i].seq(), i + 1);
    EXPECT_TRUE(updates.back().complete());
    return 0;
  });
  // A command the agent cannot make completes at once as CANNOT_START.
  wire::Frame bad;
  bad.mutable_start_command()->set_command_id("b1/1/2");
  bad.mutable_start_command()->set_builder("b1");
  master_.handler().send(bad);
  ASSERT_TRUE(complete("b1/1/2"));
  EXPECT_EQ(master_.handler().with_lock(
                [&] { return master_.handler().commands["b1/1/2"].result.outcome(); }),
            wire::CANNOT_START);
  expect_no_password_in_log(*agent);
}

TEST_F(AgentSession, UmaskFromCreateSlaveAppliesToCommands) {
  auto agent = connected_agent({}, {"--umask", "027"});
  master_.handler().send(shell("b1/2/1", "umask"));
  ASSERT_TRUE(complete("b1/2/1")) << agent->log();
  EXPECT_EQ(output_of("b1/2/1", wire::STDOUT), "0027\n");
}

TEST_F(AgentSession, DownloadDataReachesTheCommandAndIsAcked) {
  auto& handler = master_.handler();
  auto agent = connected_agent();
  wire::Frame start;
  start.mutable_start_command()->set_command_id("b1/10/1");
  start.mutable_start_command()->set_builder("b1");
  auto* args = start.mutable_start_command()->mutable_download_file();
  args->set_workdir("build");
  args->set_dest("greeting.txt");
  args->set_size(11);
  handler.send(start);
  const char* pieces[] = {"hello ", "world"};
  for (int i = 0; i < 2; ++i) {
    wire::Frame data;
    data.mutable_command_data()->set_command_id("b1/10/1");
    data.mutable_command_data()->set_seq(i + 1);
    data.mutable_command_data()->set_data(pieces[i]);
    data.mutable_command_data()->set_eof(i == 1);
    handler.send(data);
  }
  ASSERT_TRUE(complete("b1/10/1")) << agent->log();
  EXPECT_EQ(handler.with_lock([&] { return handler.commands["b1/10/1"].result.outcome(); }),
            wire::FINISHED);
  // Each piece is acked once the command has taken it (the last one may come after the
  // completion: different threads).
  ASSERT_TRUE(master_.wait([&] { return handler.data_acks.size() == 2; }));
  EXPECT_EQ(handler.with_lock([&] { return handler.data_acks; }),
            (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(read_file(slave_dir() / "b1" / "build" / "greeting.txt"), "hello world");
}

TEST_F(AgentSession, WindowStopsTheSenderUntilTheMasterAcks) {
  auto& handler = master_.handler();
  handler.auto_ack = false;
  auto agent = connected_agent();
  const std::size_t window = handler.settings.window_bytes();
  const std::size_t chunk = handler.settings.chunk_bytes();
  const std::size_t total = 400'000;
  master_.handler().send(
      shell("b1/3/1", "head -c " + std::to_string(total) + " /dev/zero | tr '\\0' x"));
  // The agent fills the window...
  ASSERT_TRUE(master_.wait([&] {
    return handler.commands["b1/3/1"].received_bytes + chunk > window;
  })) << agent->log();
  // ... and sends nothing more while no ack comes.
  EXPECT_FALSE(
      master_.wait([&] { return handler.commands["b1/3/1"].received_bytes > window; }, 700ms));
  EXPECT_FALSE(handler.with_lock([&] { return handler.commands["b1/3/1"].complete; }));
  // Acks resume it, and the window holds all along.
  handler.with_lock([&] { return handler.auto_ack = true; });
  handler.ack_all("b1/3/1");
  ASSERT_TRUE(complete("b1/3/1")) << agent->log();
  auto out = output_of("b1/3/1", wire::STDOUT);
  EXPECT_EQ(out.size(), total);
  EXPECT_EQ(out.find_first_not_of('x'), std::string::npos);
  EXPECT_LE(handler.with_lock([&] { return handler.commands["b1/3/1"].max_in_flight; }), window);
}

TEST_F(AgentSession, AnswersPingsAndSendsItsOwn) {
  auto agent = connected_agent();
  wire::Frame ping;
  ping.mutable_ping()->set_nonce(4242);
  master_.handler().send(ping);
  EXPECT_TRUE(master_.wait([&] {
    const auto& pongs = master_.handler().pongs;
    return std::find(pongs.begin(), pongs.end(), 4242u) != pongs.end();
  }));
  // heartbeat_ms is 200: pings keep coming.
  EXPECT_TRUE(master_.wait([&] { return master_.handler().pings >= 3; }, 5s));
  EXPECT_EQ(master_.handler().with_lock([&] { return master_.handler().connections; }), 1);
}

TEST_F(AgentSession, SilentMasterIsDeclaredDeadAndRedialled) {
  auto& handler = master_.handler();
  handler.settings.set_dead_after_ms(600);
  auto agent = connected_agent();
  handler.with_lock([&] { return handler.answer_pings = false; });  // the master goes silent
  auto silent_since = std::chrono::steady_clock::now();
  ASSERT_TRUE(master_.wait([&] { return handler.connections == 2; }, 10s)) << agent->log();
  // dead_after (0.6 s) + at most a quarter of it for the check + the first retry (0.2 s
  // +-12%) is about 1 s; 5 s leaves room for a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - silent_since, 5s);
  EXPECT_TRUE(agent->log_has("the master went silent")) << agent->log();
}

TEST_F(AgentSession, ReconnectsAfterTheMasterRestartsOnTheSamePort) {
  auto agent = connected_agent();
  master_.stop();
  ASSERT_TRUE(wait_until([&] { return agent->log_has("lost the connection"); })) << agent->log();
  master_.restart();
  ASSERT_TRUE(master_.wait([&] { return master_.handler().infos.size() == 2; }, 20s))
      << agent->log();
  master_.handler().send(shell("b1/4/1", "echo after restart"));
  ASSERT_TRUE(complete("b1/4/1")) << agent->log();
  EXPECT_EQ(output_of("b1/4/1", wire::STDOUT), "after restart\n");
}

TEST_F(AgentSession, ResumeAfterDisconnectResendsUnackedUpdatesExactlyOnce) {
  auto& handler = master_.handler();
  handler.auto_ack = false;
  handler.settings.set_flush_ms(5);
  auto agent = connected_agent();
  const std::string id = "b1/5/1";
  master_.handler().send(shell(id, "for i in $(seq 1 40); do echo line$i; sleep 0.03; done"));
  ASSERT_TRUE(master_.wait([&] { return handler.commands[id].updates.size() >= 3; }))
      << agent->log();
  // The master makes updates 1 and 2 durable, then the connection breaks.
  wire::Frame ack;
  ack.mutable_update_ack()->set_command_id(id);
  ack.mutable_update_ack()->set_seq(2);
  handler.send(ack);
  handler.close_connection("test: breaking the connection mid-command");
  ASSERT_TRUE(master_.wait([&] { return handler.infos.size() == 2; })) << agent->log();
  std::size_t before = 0;
  handler.with_lock([&] {
    auto& info = handler.infos[1];
    EXPECT_EQ(info.running_size(), 1);
    if (info.running_size() == 1) {
      EXPECT_EQ(info.running(0).command_id(), id);
      EXPECT_GE(info.running(0).last_seq(), 3u);
    }
    before = handler.commands[id].updates.size();
    // Only what the master acked counts from the first connection.
    auto& updates = handler.commands[id].updates;
    updates.erase(std::remove_if(updates.begin(), updates.end(),
                                 [](const wire::CommandUpdate& u) { return u.seq() > 2; }),
                  updates.end());
    before = updates.size();
    handler.commands[id].acked = 2;
    handler.auto_ack = true;
    return 0;
  });
  EXPECT_EQ(before, 2u);
  wire::Frame resume;
  resume.mutable_resume_command()->set_command_id(id);
  resume.mutable_resume_command()->set_acked_seq(2);
  handler.send(resume);
  ASSERT_TRUE(complete(id)) << agent->log();
  handler.with_lock([&] {
    const auto& updates = handler.commands[id].updates;
    for (std::size_t i = 0; i < updates.size(); ++i) {
      EXPECT_EQ(updates[i].seq(), i + 1) << "updates lost, duplicated or out of order";
    }
    return 0;
  });
  std::string expected;
  for (int i = 1; i <= 40; ++i) expected += "line" + std::to_string(i) + "\n";
  EXPECT_EQ(output_of(id, wire::STDOUT), expected);
  EXPECT_TRUE(agent->log_has("resumed after seq 2")) << agent->log();
}

TEST_F(AgentSession, AbandonedCommandIsInterruptedAndForgotten) {
  auto& handler = master_.handler();
  auto agent = connected_agent();
  master_.handler().send(shell("b1/6/1", "echo started; sleep 60"));
  ASSERT_TRUE(master_.wait([&] { return !handler.commands["b1/6/1"].updates.empty(); }));
  wire::Frame abandon;
  abandon.mutable_abandon_command()->set_command_id("b1/6/1");
  abandon.mutable_abandon_command()->set_why("test");
  handler.send(abandon);
  ASSERT_TRUE(wait_until([&] { return agent->log_has("command b1/6/1 abandoned"); }))
      << agent->log();
  handler.close_connection("test: reconnect to see what is running");
  ASSERT_TRUE(master_.wait([&] { return handler.infos.size() == 2; })) << agent->log();
  EXPECT_EQ(handler.with_lock([&] { return handler.infos[1].running_size(); }), 0);
  EXPECT_FALSE(handler.with_lock([&] { return handler.commands["b1/6/1"].complete; }));
}

TEST_F(AgentSession, CommandNeitherResumedNorAbandonedIsInterrupted) {
  auto& handler = master_.handler();
  auto agent = start_agent({}, TestMaster::kPassword, "retry_initial: 0.2\nresume_timeout: 1\n");
  ASSERT_TRUE(master_.wait([&] { return handler.infos.size() == 1; })) << agent->log();
  master_.handler().send(shell("b1/7/1", "echo started; sleep 60"));
  ASSERT_TRUE(master_.wait([&] { return !handler.commands["b1/7/1"].updates.empty(); }));
  handler.close_connection("test: reconnect, then say nothing about the command");
  ASSERT_TRUE(master_.wait([&] { return handler.infos.size() == 2; })) << agent->log();
  EXPECT_EQ(handler.with_lock([&] { return handler.infos[1].running_size(); }), 1);
  EXPECT_TRUE(wait_until([&] { return agent->log_has("neither resumed nor abandoned"); }))
      << agent->log();
}

TEST_F(AgentSession, APeerThatAcceptsButNeverSpeaksTimesOutAndIsRetried) {
  // A listening socket nobody serves: the kernel completes the TCP handshake, and then
  // nothing ever answers the WebSocket upgrade.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor mute(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto created = create_slave(slave_dir(), mute.local_endpoint().port(), TestMaster::kSlave,
                              TestMaster::kPassword,
                              "retry_initial: 0.1\nconnect_timeout: 0.5\nstart_timeout: 0\n");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  AgentProcess agent(slave_dir());
  ASSERT_TRUE(wait_until(
      [&] {
        auto log = agent.log();
        auto first = log.find("WebSocket handshake with the master failed");
        return first != std::string::npos && log.find("WebSocket handshake with the master failed",
                                                      first + 1) != std::string::npos;
      },
      10s))
      << agent.log();
  // And it still stops promptly.
  auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(agent.stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 3s);
}

TEST_F(AgentSession, WrongPasswordIsRefusedLoggedAndRetried) {
  auto agent = start_agent({}, "not-the-password");
  ASSERT_TRUE(master_.wait([&] { return master_.handler().refusals >= 2; })) << agent->log();
  EXPECT_EQ(master_.handler().with_lock([&] { return master_.handler().connections; }), 0);
  EXPECT_TRUE(agent->log_has("REFUSED this slave: wrong name or password")) << agent->log();
  EXPECT_FALSE(agent->log_has("not-the-password")) << agent->log();
  EXPECT_FALSE(agent->exited());
}

// TLS (master.tls on a real master): the agent created with --ca verifies the port's
// certificate and everything goes through the TLS layer, large output included.
TEST_F(AgentSession, AgentWithTheMastersCaRunsCommandsOverTls) {
  auto certificate = make_test_certificate(dir_.path(), "master", "IP:127.0.0.1");
  master_.use_tls(certificate.certificate, certificate.key);
  auto agent = connected_agent({}, {"--ca", certificate.certificate.string()});
  EXPECT_NE(read_file(slave_dir() / "slave.yaml").find("tls: true"), std::string::npos);
  EXPECT_TRUE(agent->log_has("(TLS)")) << agent->log();
  master_.handler().send(
      shell("b1/1/1", "head -c 3000000 /dev/zero | tr '\\0' x; echo; echo done >&2; exit 4"));
  ASSERT_TRUE(complete("b1/1/1")) << agent->log();
  EXPECT_EQ(
      master_.handler().with_lock([&] { return master_.handler().commands["b1/1/1"].result.rc(); }),
      4);
  auto out = output_of("b1/1/1", wire::STDOUT);
  EXPECT_EQ(out, std::string(3000000, 'x') + "\n");
  EXPECT_EQ(output_of("b1/1/1", wire::STDERR), "done\n");
  expect_no_password_in_log(*agent);
}

TEST_F(AgentSession, AgentWithoutTlsOnATlsPortLogsWhyAndKeepsTrying) {
  auto certificate = make_test_certificate(dir_.path(), "master", "IP:127.0.0.1");
  master_.use_tls(certificate.certificate, certificate.key);
  auto agent = start_agent();
  ASSERT_TRUE(wait_until(
      [&] {
        auto log = agent->log();
        auto first = log.find("requires TLS");
        return first != std::string::npos &&
               log.find("requires TLS", first + 1) != std::string::npos;
      },
      10s))
      << agent->log();
  EXPECT_EQ(master_.handler().with_lock([&] { return master_.handler().connections; }), 0);
  EXPECT_FALSE(agent->exited());
}

TEST_F(AgentSession, AgentTrustingAnotherAuthorityRefusesTheMaster) {
  auto certificate = make_test_certificate(dir_.path(), "master", "IP:127.0.0.1");
  auto stranger = make_test_certificate(dir_.path(), "stranger", "IP:127.0.0.1");
  master_.use_tls(certificate.certificate, certificate.key);
  auto agent =
      start_agent({}, TestMaster::kPassword, kTestKnobs, {"--ca", stranger.certificate.string()});
  ASSERT_TRUE(wait_until([&] { return agent->log_has("certificate verify failed"); }, 10s))
      << agent->log();
  EXPECT_EQ(master_.handler().with_lock([&] { return master_.handler().connections; }), 0);
  // Its password never left it: the handshake stopped before the hello.
  EXPECT_EQ(master_.handler().with_lock([&] { return master_.handler().refusals; }), 0);
}

TEST_F(AgentSession, GarbageFrameIsLoggedAndTheAgentRedials) {
  auto agent = connected_agent();
  wire::Frame garbage;  // field 23 (command_update) holding bytes that are no message
  garbage.GetReflection()->MutableUnknownFields(&garbage)->AddLengthDelimited(23,
                                                                              "\xff\xff\xff\xff");
  master_.handler().send(garbage);
  ASSERT_TRUE(master_.wait([&] { return master_.handler().connections == 2; })) << agent->log();
  EXPECT_TRUE(agent->log_has("the master sent a bad frame")) << agent->log();
  EXPECT_FALSE(agent->exited());
}

TEST_F(AgentSession, UnknownCommandIdsAndUnexpectedFramesAreLoggedNotFatal) {
  auto agent = connected_agent();
  auto& handler = master_.handler();
  wire::Frame ack;
  ack.mutable_update_ack()->set_command_id("no/such/command");
  ack.mutable_update_ack()->set_seq(1);
  handler.send(ack);
  wire::Frame interrupt;
  interrupt.mutable_interrupt_command()->set_command_id("no/such/command");
  handler.send(interrupt);
  wire::Frame welcome;
  welcome.mutable_welcome()->set_master_id("again?");
  handler.send(welcome);
  wire::Frame ping;
  ping.mutable_ping()->set_nonce(7);
  handler.send(ping);
  ASSERT_TRUE(master_.wait([&] { return !handler.pongs.empty() && handler.pongs.back() == 7; }));
  EXPECT_TRUE(agent->log_has("UpdateAck for unknown command 'no/such/command'")) << agent->log();
  EXPECT_TRUE(agent->log_has("InterruptCommand for unknown command 'no/such/command'"));
  EXPECT_TRUE(agent->log_has("unexpected welcome frame"));
  EXPECT_EQ(handler.with_lock([&] { return handler.connections; }), 1);
}

TEST_F(AgentSession, ShutdownIsIgnoredWithoutAllowShutdown) {
  auto agent = connected_agent();
  wire::Frame shutdown;
  shutdown.mutable_shutdown()->set_why("test");
  master_.handler().send(shutdown);
  ASSERT_TRUE(wait_until([&] { return agent->log_has("allow_shutdown is not set"); }))
      << agent->log();
  agent->signal(SIGHUP);  // not "signal" mode either: no request
  master_.handler().send(shell("b1/8/1", "echo still here"));
  ASSERT_TRUE(complete("b1/8/1")) << agent->log();
  EXPECT_EQ(master_.handler().with_lock([&] { return master_.handler().shutdown_requests; }), 0);
  EXPECT_FALSE(agent->exited());
}

TEST_F(AgentSession, AllowShutdownSignalAsksTheMasterAndShutdownEndsTheAgent) {
  auto agent = connected_agent({}, {"--allow-shutdown", "signal"});
  auto& handler = master_.handler();
  EXPECT_TRUE(handler.with_lock([&] { return handler.infos[0].allow_shutdown(); }));
  agent->signal(SIGHUP);
  ASSERT_TRUE(master_.wait([&] { return handler.shutdown_requests == 1; })) << agent->log();
  handler.send(shell("b1/9/1", "sleep 0.5; echo done"));
  wire::Frame shutdown;
  shutdown.mutable_shutdown()->set_why("graceful shutdown requested");
  handler.send(shutdown);
  // The running command ends first, then the agent exits by itself.
  ASSERT_TRUE(wait_until([&] { return agent->exited(); }, 20s)) << agent->log();
  EXPECT_EQ(agent->wait_exit(), 0);
  EXPECT_TRUE(handler.with_lock([&] { return handler.commands["b1/9/1"].complete; }));
  EXPECT_EQ(output_of("b1/9/1", wire::STDOUT), "done\n");
  EXPECT_TRUE(agent->log_has("shut down as the master asked")) << agent->log();
}

}  // namespace
}  // namespace eventbot::testing
