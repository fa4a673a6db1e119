#include "actors/cli/ask_master.hpp"

#include "actors/port/port_client.hpp"

namespace eventbot::cli {

Expected<wire::Frame, std::string> ask_master(const std::string& master, const port::ClientTls& tls,
                                              const Login& login, wire::Role role,
                                              const wire::Frame& question,
                                              std::chrono::seconds timeout) {
  auto address = port::parse_host_port(master);
  if (!address) return unexpected(address.error());
  auto client = port::PortClient::connect(port::MasterAddress{address->first, address->second, tls},
                                          role, login.user, login.password, timeout);
  if (!client) return unexpected(client.error());
  if (auto sent = (*client)->send(question); !sent) return unexpected(sent.error());
  auto answer = (*client)->receive(timeout);
  if (!answer) return unexpected(answer.error());
  if (answer->has_error()) return unexpected("the master refused: " + answer->error().message());
  return *answer;
}

}  // namespace eventbot::cli
