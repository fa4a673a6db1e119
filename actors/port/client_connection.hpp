#pragma once
// Connecting to a master's port as a client: TCP, TLS when asked, the WebSocket
// upgrade, then the SCRAM login (handshake.hpp). Shared by the command-line tools
// (PortClient) and the slave agent (MasterLink). Every step has a deadline: the
// operations run asynchronously on this thread, since a blocking read would ignore the
// stream's expiry and wait forever for a silent master.
#include <chrono>
#include <memory>
#include <string>

#include "actors/port/ws_stream.hpp"
#include "common/expected.hpp"
#include "events/wire.pb.h"

namespace eventbot::port {

struct MasterAddress {
  std::string host;
  unsigned short port = 9989;
  ClientTls tls;
};

struct ConnectError {
  std::string message;
  bool refused = false;  // the master answered Refused: message is its reason
};

class ClientConnection {
 public:
  static Expected<std::unique_ptr<ClientConnection>, ConnectError> open(
      const MasterAddress& master, wire::Role role, const std::string& name,
      const std::string& password, std::chrono::milliseconds timeout);
  ~ClientConnection();

  // Each blocks this thread at most `timeout`.
  Expected<wire::Frame, std::string> read_frame(std::chrono::milliseconds timeout);
  Expected<Ok, std::string> write_frame(const wire::Frame& frame,
                                        std::chrono::milliseconds timeout);
  // A WebSocket close, waiting at most `timeout`.
  void close(std::chrono::milliseconds timeout);

  // For a caller that goes on asynchronously (MasterLink): the stream and its context.
  boost::asio::io_context& io() { return io_; }
  WsStream& ws() { return ws_; }
  const std::string& master_id() const { return master_id_; }
  const std::string& remote() const { return remote_; }  // "127.0.0.1:9989"

 private:
  explicit ClientConnection(std::shared_ptr<TlsContext> tls);
  // Runs this thread's io_context until `done` or until nothing is left to run.
  bool run_until(const bool& done);

  boost::asio::io_context io_{1};
  WsStream ws_;
  boost::beast::flat_buffer buffer_;
  std::string master_id_;
  std::string remote_;
};

// "host:port" → host and port; an error for anything else.
Expected<std::pair<std::string, unsigned short>, std::string> parse_host_port(
    const std::string& text);

}  // namespace eventbot::port
