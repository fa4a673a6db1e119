#include "actors/port/port_client.hpp"

namespace eventbot::port {

PortClient::PortClient(std::unique_ptr<ClientConnection> connection,
                       std::chrono::milliseconds timeout)
    : connection_(std::move(connection)), timeout_(timeout) {}

PortClient::~PortClient() {
  connection_->close(std::chrono::seconds(2));
}

Expected<Ok, std::string> PortClient::send(const wire::Frame& frame) {
  return connection_->write_frame(frame, timeout_);
}

Expected<wire::Frame, std::string> PortClient::receive(std::chrono::milliseconds timeout) {
  return connection_->read_frame(timeout);
}

Expected<std::unique_ptr<PortClient>, std::string> PortClient::connect(
    const MasterAddress& master, wire::Role role, const std::string& name,
    const std::string& password, std::chrono::milliseconds timeout) {
  auto connection = ClientConnection::open(master, role, name, password, timeout);
  if (!connection) {
    const auto& error = connection.error();
    return unexpected(error.refused ? "the master refused the connection: " + error.message
                                    : error.message);
  }
  return std::unique_ptr<PortClient>(new PortClient(std::move(*connection), timeout));
}

Expected<std::unique_ptr<PortClient>, std::string> PortClient::connect(
    const std::string& host, unsigned short port, wire::Role role, const std::string& name,
    const std::string& password, std::chrono::milliseconds timeout) {
  return connect(MasterAddress{host, port, {}}, role, name, password, timeout);
}

}  // namespace eventbot::port
