#pragma once
// A blocking client of the master's port, for command-line tools (`eventbot
// sendchange`): connect, prove the password, exchange frames, each with a deadline.
#include <chrono>
#include <memory>
#include <string>

#include "common/expected.hpp"
#include "events/wire.pb.h"

namespace eventbot::port {

class PortClient {
 public:
  // Connects to host:port and authenticates; the error says what failed (connection,
  // refusal with the master's reason, timeout).
  static Expected<std::unique_ptr<PortClient>, std::string> connect(
      const std::string& host, unsigned short port, wire::Role role, const std::string& name,
      const std::string& password, std::chrono::milliseconds timeout);
  ~PortClient();

  Expected<Ok, std::string> send(const wire::Frame& frame);
  Expected<wire::Frame, std::string> receive(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  explicit PortClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "host:port" → host and port; an error for anything else.
Expected<std::pair<std::string, unsigned short>, std::string> parse_host_port(
    const std::string& text);

}  // namespace eventbot::port
