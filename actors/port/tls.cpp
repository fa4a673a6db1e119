#include "actors/port/tls.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <system_error>

namespace eventbot::port {
namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<TlsContext> modern_context(ssl::context::method method) {
  auto context = std::make_shared<TlsContext>(method);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  return context;
}

// "" when `path` is a readable regular file, else why not.
std::string file_problem(const fs::path& path, const std::string& what) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return "the " + what + " " + path.string() + " does not exist";
  if (!fs::is_regular_file(status)) return "the " + what + " " + path.string() + " is not a file";
  return {};
}

}  // namespace

Expected<std::shared_ptr<TlsContext>, std::string> make_server_tls(const fs::path& certificate,
                                                                   const fs::path& key) {
  for (auto problem : {file_problem(certificate, "certificate"), file_problem(key, "key")}) {
    if (!problem.empty()) return unexpected(problem);
  }
  auto context = modern_context(ssl::context::tls_server);
  boost::system::error_code ec;
  context->use_certificate_chain_file(certificate.string(), ec);
  if (ec) {
    return unexpected("cannot use the certificate " + certificate.string() + ": " + ec.message() +
                      " (expected PEM)");
  }
  // Without a callback OpenSSL would ask for an encrypted key's passphrase on the
  // terminal, and an unattended master would wait forever: an empty one fails at once.
  context->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); });
  context->use_private_key_file(key.string(), ssl::context::pem, ec);
  if (ec) {
    return unexpected("cannot use the key " + key.string() + ": " + ec.message() +
                      " (expected an unencrypted PEM key matching the certificate; an "
                      "encrypted one can be decrypted with `openssl pkey -in KEY -out NEW`)");
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return unexpected("the key " + key.string() + " does not match the certificate " +
                      certificate.string());
  }
  return context;
}

Expected<std::shared_ptr<TlsContext>, std::string> make_client_tls(const ClientTls& tls) {
  auto context = modern_context(ssl::context::tls_client);
  boost::system::error_code ec;
  if (tls.ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return unexpected("cannot read the system's trusted authorities: " + ec.message());
  } else {
    if (auto problem = file_problem(tls.ca_file, "CA file"); !problem.empty()) {
      return unexpected(problem);
    }
    context->load_verify_file(tls.ca_file, ec);
    if (ec) {
      return unexpected("cannot use the CA file " + tls.ca_file + ": " + ec.message() +
                        " (expected PEM certificates)");
    }
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

}  // namespace eventbot::port
