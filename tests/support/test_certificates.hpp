#pragma once
// Self-signed certificates for TLS tests, made by the real `openssl` command: each is
// its own authority, so a client trusts it by using its certificate as the CA file.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/support/run_process.hpp"

namespace eventbot::testing {

struct TestCertificate {
  std::filesystem::path certificate;  // PEM; also the CA file that trusts it
  std::filesystem::path key;          // PEM, unencrypted, mode 0600
};

// `names` is the subjectAltName list, e.g. "DNS:localhost,IP:127.0.0.1".
inline TestCertificate make_test_certificate(const std::filesystem::path& dir,
                                             const std::string& stem, const std::string& names) {
  TestCertificate made{dir / (stem + ".pem"), dir / (stem + ".key")};
  auto result = run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                             "/CN=" + stem, "-addext", "subjectAltName=" + names, "-keyout",
                             made.key.string(), "-out", made.certificate.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::error_code ec;
  std::filesystem::permissions(
      made.key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  return made;
}

}  // namespace eventbot::testing
