#pragma once
// A small master for the agent's tests: the real port (actors/port PortServer, real
// sockets on 127.0.0.1) with a handler that records every frame from the slave and
// drives the protocol the way a test wants (send settings, ack or withhold acks,
// answer or ignore pings, send any frame, close the connection, stop and restart on
// the same port).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/auth/credentials.hpp"
#include "actors/port/port_server.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::testing {

class TestMasterHandler final : public port::ConnectionHandler {
 public:
  struct Command {
    std::vector<wire::CommandUpdate> updates;  // in arrival order, every connection
    std::uint64_t acked = 0;
    std::size_t received_bytes = 0;  // data bytes of every update received
    std::size_t acked_bytes = 0;
    std::size_t max_in_flight = 0;  // most data bytes received and not acknowledged
    bool complete = false;
    wire::CommandResult result;
  };

  // What the handler does by itself; tests change these at any time.
  bool send_settings = true;
  bool auto_ack = true;
  bool answer_pings = true;
  wire::SlaveSettings settings;

  void on_authenticated(const std::shared_ptr<port::Connection>& connection) override {
    std::lock_guard lock(mutex);
    current = connection;
    ++connections;
  }

  void on_refused(const std::string&, const wire::Hello&, const std::string&) override {
    std::lock_guard lock(mutex);
    ++refusals;
  }

  void on_closed(const std::shared_ptr<port::Connection>& connection) override {
    std::lock_guard lock(mutex);
    ++closed;
    if (current == connection) current.reset();
  }

  void on_frame(const std::shared_ptr<port::Connection>& connection,
                const wire::Frame& frame) override {
    std::lock_guard lock(mutex);
    frames.push_back(frame);
    switch (frame.body_case()) {
      case wire::Frame::kSlaveInfo:
        infos.push_back(frame.slave_info());
        if (send_settings) {
          wire::Frame reply;
          *reply.mutable_slave_settings() = settings;
          connection->send(reply);
        }
        break;
      case wire::Frame::kPing:
        ++pings;
        if (answer_pings) {
          wire::Frame pong;
          pong.mutable_pong()->set_nonce(frame.ping().nonce());
          connection->send(pong);
        }
        break;
      case wire::Frame::kPong:
        pongs.push_back(frame.pong().nonce());
        break;
      case wire::Frame::kCommandUpdate: {
        const auto& update = frame.command_update();
        auto& command = commands[update.command_id()];
        command.updates.push_back(update);
        command.received_bytes += bytes_of(update);
        command.max_in_flight =
            std::max(command.max_in_flight, command.received_bytes - command.acked_bytes);
        if (update.complete()) {
          command.complete = true;
          command.result = update.result();
        }
        if (auto_ack) ack_locked(connection, update.command_id(), update.seq());
        break;
      }
      case wire::Frame::kDataAck:
        data_acks.push_back(frame.data_ack().seq());
        break;
      case wire::Frame::kShutdownRequested:
        ++shutdown_requests;
        break;
      default:
        break;
    }
  }

  static std::size_t bytes_of(const wire::CommandUpdate& update) {
    std::size_t bytes = 0;
    for (const auto& output : update.output()) bytes += output.data().size();
    return bytes;
  }

  // Acknowledges every update of `id` received so far.
  void ack_all(const std::string& id) {
    std::lock_guard lock(mutex);
    auto& command = commands[id];
    if (!command.updates.empty() && current) {
      ack_locked(current, id, command.updates.back().seq());
    }
  }

  void send(const wire::Frame& frame) {
    std::lock_guard lock(mutex);
    if (current) current->send(frame);
  }

  void close_connection(const std::string& why) {
    std::lock_guard lock(mutex);
    if (current) current->close(why);
  }

  template <class F>
  auto with_lock(F&& f) {
    std::lock_guard lock(mutex);
    return f();
  }

  std::mutex mutex;
  std::shared_ptr<port::Connection> current;
  int connections = 0;
  int refusals = 0;
  int closed = 0;
  int pings = 0;
  int shutdown_requests = 0;
  std::vector<std::uint64_t> pongs;
  std::vector<std::uint64_t> data_acks;
  std::vector<wire::Frame> frames;
  std::vector<wire::SlaveInfo> infos;
  std::map<std::string, Command> commands;

 private:
  void ack_locked(const std::shared_ptr<port::Connection>& connection, const std::string& id,
                  std::uint64_t seq) {
    auto& command = commands[id];
    if (seq <= command.acked) return;
    command.acked = seq;
    std::size_t acked_bytes = 0;
    std::map<std::uint64_t, std::size_t> by_seq;  // a resent update counts once
    for (const auto& update : command.updates) by_seq[update.seq()] = bytes_of(update);
    for (const auto& [s, bytes] : by_seq) {
      if (s <= seq) acked_bytes += bytes;
    }
    command.acked_bytes = std::max(command.acked_bytes, acked_bytes);
    wire::Frame ack;
    ack.mutable_update_ack()->set_command_id(id);
    ack.mutable_update_ack()->set_seq(seq);
    connection->send(ack);
  }
};

class TestMaster {
 public:
  static constexpr char kSlave[] = "bot1";
  static constexpr char kPassword[] = "s3cr3t-pass";

  TestMaster() : handler_(std::make_shared<TestMasterHandler>()) {
    auto& settings = handler_->settings;
    (*settings.mutable_builder_dirs())["b1"] = "b1";
    settings.set_chunk_bytes(4096);
    settings.set_flush_ms(20);
    settings.set_window_bytes(16384);
    settings.set_heartbeat_ms(200);
    settings.set_dead_after_ms(2000);
    start(0);
  }

  void start(unsigned short port) {
    auto accounts = std::make_shared<port::Accounts>();
    accounts->slaves[kSlave] = auth::make_account(kSlave, kPassword, "");
    port::PortOptions options;
    options.port = port;
    options.master_id = "test-master";
    options.tls = tls_;
    auto server = port::PortServer::start(options, accounts, handler_);
    ASSERT_TRUE(server) << server.error();
    server_ = std::move(*server);
    port_ = server_->port();
  }

  // Closes the port and every connection (the handler keeps what it recorded).
  void stop() {
    handler_->with_lock([&] {
      handler_->current.reset();  // the connection dies with the server's io_context
      return 0;
    });
    server_.reset();
  }
  void restart() { start(port_); }
  // From now on the port speaks TLS only, with this certificate.
  void use_tls(const std::filesystem::path& certificate, const std::filesystem::path& key) {
    auto tls = port::make_server_tls(certificate, key);
    ASSERT_TRUE(tls) << tls.error();
    stop();
    tls_ = *tls;
    start(0);
  }

  unsigned short port() const { return port_; }
  TestMasterHandler& handler() { return *handler_; }

  template <class Condition>
  bool wait(Condition&& condition, std::chrono::milliseconds deadline = std::chrono::seconds(15)) {
    return wait_until([&] { return handler_->with_lock(condition); }, deadline);
  }

 private:
  std::shared_ptr<TestMasterHandler> handler_;
  std::unique_ptr<port::PortServer> server_;
  std::shared_ptr<port::TlsContext> tls_;
  unsigned short port_ = 0;
};

}  // namespace eventbot::testing
