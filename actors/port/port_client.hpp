#pragma once
// A blocking client of the master's port, for command-line tools (`eventbot
// sendchange`, the user commands): connect, prove the password, exchange frames, each
// with a deadline.
#include <chrono>
#include <memory>
#include <string>

#include "actors/port/client_connection.hpp"

namespace eventbot::port {

class PortClient {
 public:
  // Connects to the master and authenticates; the error says what failed (connection,
  // TLS, refusal with the master's reason, timeout).
  static Expected<std::unique_ptr<PortClient>, std::string> connect(
      const MasterAddress& master, wire::Role role, const std::string& name,
      const std::string& password, std::chrono::milliseconds timeout);
  // In the clear (tests, benchmarks).
  static Expected<std::unique_ptr<PortClient>, std::string> connect(
      const std::string& host, unsigned short port, wire::Role role, const std::string& name,
      const std::string& password, std::chrono::milliseconds timeout);
  ~PortClient();

  // Within the timeout given to connect.
  Expected<Ok, std::string> send(const wire::Frame& frame);
  Expected<wire::Frame, std::string> receive(std::chrono::milliseconds timeout);

 private:
  PortClient(std::unique_ptr<ClientConnection> connection, std::chrono::milliseconds timeout);
  std::unique_ptr<ClientConnection> connection_;
  std::chrono::milliseconds timeout_;
};

}  // namespace eventbot::port
