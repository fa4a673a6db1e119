#pragma once
// TLS for the master's port: the server's context from a certificate and its key, the
// client's from the certificate authorities it trusts. Contexts are shared by every
// connection made with them and must outlive those connections (hence shared_ptr).
#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "common/expected.hpp"

namespace eventbot::port {

using TlsContext = boost::asio::ssl::context;

// What a client of the port (slave agent, command-line tools) uses to reach it.
struct ClientTls {
  bool enabled = false;
  // PEM file of the authorities that may sign the master's certificate (a self-signed
  // certificate is its own authority); empty: the system's trust store.
  std::string ca_file;
};

// The master's side: TLS 1.2 or later with `certificate` (PEM, the chain after the
// leaf) and `key` (PEM, unencrypted). The error names the file and what is wrong with
// it (missing, unreadable, not PEM, key not matching the certificate).
Expected<std::shared_ptr<TlsContext>, std::string> make_server_tls(
    const std::filesystem::path& certificate, const std::filesystem::path& key);

// The client's side: TLS 1.2 or later, the master's certificate verified against
// `tls.ca_file` (or the system's store). The host name is checked per connection.
Expected<std::shared_ptr<TlsContext>, std::string> make_client_tls(const ClientTls& tls);

}  // namespace eventbot::port
