#pragma once
// One connection of the slave to its master: WebSocket over TCP (inside TLS when the
// slave is configured with it), one wire::Frame per
// binary message (actors/port), the challenge/response handshake as role SLAVE, then
// frames both ways. Boost.Beast async on an io_context that run() drives on the
// caller's thread; send() and close() may be called from any thread.
//
// The link itself answers Ping with Pong, sends a Ping every heartbeat interval, and
// ends the connection when no frame at all has arrived for dead_after. A frame that
// does not decode ends it too (with a log line): the session then reconnects.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "actors/port/client_connection.hpp"
#include "common/expected.hpp"
#include "events/wire.pb.h"

namespace eventbot::slave {

struct HeartbeatTimes {
  std::chrono::milliseconds heartbeat{600'000};
  std::chrono::milliseconds dead_after{1'800'000};
};

using port::ConnectError;

class MasterLink {
 public:
  // Connects, proves the password and waits for Welcome, each step within `timeout`.
  static Expected<std::unique_ptr<MasterLink>, ConnectError> connect(
      const port::MasterAddress& master, const std::string& name, const std::string& password,
      std::chrono::milliseconds timeout);
  ~MasterLink();

  using FrameHandler = std::function<void(const wire::Frame&)>;
  // Serves the connection on this thread until it ends; returns why it ended. Frames
  // other than Ping and Pong go to `handler`, on this thread, in order.
  std::string run(const FrameHandler& handler, HeartbeatTimes times);

  // Queues a frame; frames go out in the order of the calls. Dropped once the
  // connection has ended.
  void send(wire::Frame frame);
  // Ends the connection after the frames already queued (a WebSocket close).
  void close(const std::string& reason);
  // New heartbeat times (the master's SlaveSettings), effective at once.
  void set_heartbeat(HeartbeatTimes times);

  const std::string& master_id() const;
  const std::string& remote() const;  // "127.0.0.1:9989"

 private:
  struct Impl;
  explicit MasterLink(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace eventbot::slave
