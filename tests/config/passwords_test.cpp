// Passwords kept outside master.yaml (password_file, password_env) and the warnings
// about how passwords are stored: read into the config, refused with messages that name
// the entry and the file or variable but never a secret, and checkconfig's answers.
#include "actors/config/passwords.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "actors/auth/credentials.hpp"
#include "actors/auth/scram.hpp"
#include "actors/auth/web_password.hpp"
#include "actors/config/checkconfig.hpp"
#include "actors/config/config_loader.hpp"
#include "actors/config/master_yaml_template.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::config {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text, fs::perms mode) {
  std::ofstream(path) << text;
  fs::permissions(path, mode);
}

constexpr auto kPrivate = fs::perms::owner_read | fs::perms::owner_write;

MasterConfig load(const std::string& yaml) {
  auto result = load_config_string(yaml, "master.yaml");
  EXPECT_TRUE(result);
  return result ? *result : MasterConfig{};
}

const std::string kYaml = R"(slaves:
  - {name: s1, password_file: secrets/s1.password}
  - {name: s2, password_env: EVENTBOT_TEST_S2_PASSWORD}
change_sources:
  - {type: sendchange, user: change, password_file: /ABS/change.password}
web:
  users:
    - {name: admin, password_env: EVENTBOT_TEST_ADMIN_PASSWORD, roles: [admin]}
)";

class PasswordSources : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir / "secrets");
    write_file(dir / "secrets" / "s1.password", "file-secret-1\n", kPrivate);
    write_file(dir / "change.password", "file-secret-2", kPrivate);
    ::setenv("EVENTBOT_TEST_S2_PASSWORD", "env-secret-3", 1);
    ::setenv("EVENTBOT_TEST_ADMIN_PASSWORD", "env-secret-4", 1);
  }
  void TearDown() override {
    ::unsetenv("EVENTBOT_TEST_S2_PASSWORD");
    ::unsetenv("EVENTBOT_TEST_ADMIN_PASSWORD");
  }
  std::string yaml() const {
    auto text = kYaml;
    text.replace(text.find("/ABS"), 4, dir.path().string());
    return text;
  }
  eventbot::testing::TempDir dir{"passwords"};
};

TEST_F(PasswordSources, FilesAndVariablesFillThePasswords) {
  auto config = load(yaml());
  EXPECT_EQ(config.slaves[0].password_from.file, "secrets/s1.password");
  EXPECT_EQ(config.slaves[0].password, "");  // not read while loading: no I/O there
  auto warnings = resolve_passwords(dir.path(), config);
  ASSERT_TRUE(warnings) << warnings.error();
  EXPECT_TRUE(warnings->empty());
  EXPECT_EQ(config.slaves[0].password, "file-secret-1");  // relative to the master, one line
  EXPECT_EQ(config.slaves[1].password, "env-secret-3");
  EXPECT_EQ(config.change_sources[0].password, "file-secret-2");  // an absolute path
  EXPECT_EQ(config.web.users[0].password, "env-secret-4");
}

TEST_F(PasswordSources, MissingEmptyOrUnsetAreErrorsWithoutSecrets) {
  fs::remove(dir / "secrets" / "s1.password");
  write_file(dir / "change.password", "\n", kPrivate);
  ::unsetenv("EVENTBOT_TEST_S2_PASSWORD");
  auto config = load(yaml());
  auto result = resolve_passwords(dir.path(), config);
  ASSERT_FALSE(result);
  const auto& message = result.error();
  EXPECT_NE(
      message.find("slaves[0] (s1).password_file: cannot read " +
                   (dir / "secrets" / "s1.password").string() + ": No such file or directory"),
      std::string::npos)
      << message;
  EXPECT_NE(message.find("slaves[1] (s2).password_env: the environment variable "
                         "EVENTBOT_TEST_S2_PASSWORD is not set"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("change.password is empty"), std::string::npos) << message;
  EXPECT_EQ(message.find("secret-4"), std::string::npos) << message;
  // A directory, or a file too large to be a password, is refused before it is read.
  fs::create_directories(dir / "secrets" / "s1.password");
  auto again = load(yaml());
  auto refused = resolve_passwords(dir.path(), again);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("not a regular file"), std::string::npos) << refused.error();
}

TEST_F(PasswordSources, AFileOthersMayReadIsAWarning) {
  fs::permissions(dir / "secrets" / "s1.password",
                  kPrivate | fs::perms::group_read | fs::perms::others_read);
  auto config = load(yaml());
  auto warnings = resolve_passwords(dir.path(), config);
  ASSERT_TRUE(warnings);
  ASSERT_EQ(warnings->size(), 1u);
  EXPECT_NE((*warnings)[0].find("(mode 0644) may be read by other users: chmod 600"),
            std::string::npos)
      << (*warnings)[0];
  EXPECT_EQ((*warnings)[0].find("file-secret"), std::string::npos);
}

TEST(PasswordKeys, OneSourcePerAccountAndOnlyKnownHashForms) {
  auto errors = [](const std::string& yaml) {
    auto result = load_config_string(yaml, "master.yaml");
    std::string out;
    if (!result) {
      for (const auto& error : result.error()) out += format_error(error) + "\n";
    }
    return out;
  };
  EXPECT_NE(errors("slaves:\n  - {name: s, password_file: f, password_env: V}\n")
                .find("give one of \"password\", \"password_hash\", \"password_file\" and "
                      "\"password_env\", not several"),
            std::string::npos);
  const auto scram = auth::scram::format(auth::scram::make_verifier("pw"));
  const auto argon2 = auth::argon2id_hash("pw");
  EXPECT_EQ(errors("slaves:\n  - {name: s, password_hash: \"" + scram + "\"}\n"), "");
  EXPECT_EQ(errors("web:\n  users:\n    - {name: a, password_hash: \"" + argon2 +
                   "\", port_password_hash: \"" + scram + "\"}\n"),
            "");
  // An argon2id hash is for the web pages: a slave cannot log in with one.
  EXPECT_NE(errors("slaves:\n  - {name: s, password_hash: \"" + argon2 + "\"}\n")
                .find("slaves[0].password_hash: must be what `eventbot hash-password NAME` prints"),
            std::string::npos);
  EXPECT_NE(errors("web:\n  users:\n    - {name: a, password: x, port_password_hash: \"" + argon2 +
                   "\"}\n")
                .find("port_password_hash: must be the \"SCRAM-SHA-256$...\" line"),
            std::string::npos);
}

TEST(PasswordWarnings, OldHashesSayHowToUpgrade) {
  auto config =
      load("slaves:\n  - {name: s1, password_hash: \"" + auth::credential_hash("s1", "pw") +
           "\"}\n  - {name: s2, password: pw}\n"
           "web:\n  users:\n    - {name: admin, password_hash: \"" +
           auth::argon2id_hash("pw") + "\"}\n");
  auto warnings = password_warnings(config);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0],
            "slaves[0] (s1): password_hash is the old \"sha256:\" form, which logs in by itself "
            "to whoever reads it; replace it with what `eventbot hash-password s1` prints");
  EXPECT_NE(warnings[1].find("web.users[0] (admin): an argon2id password_hash logs in to the web "
                             "pages only"),
            std::string::npos)
      << warnings[1];
  EXPECT_NE(warnings[1].find("`eventbot hash-password --web admin`"), std::string::npos);
}

TEST(PasswordWarnings, CheckconfigPrintsThemAndRefusesAMissingFile) {
  eventbot::testing::TempDir dir("passwords");
  std::ofstream(dir / "master.yaml")
      << "slaves:\n  - {name: s1, password_hash: \"" << auth::credential_hash("s1", "pw")
      << "\"}\n  - {name: s2, password_file: s2.password}\n";
  std::ostringstream out, err;
  EXPECT_EQ(run_checkconfig(dir.path(), out, err), 1);
  EXPECT_NE(err.str().find("slaves[1] (s2).password_file: cannot read"), std::string::npos)
      << err.str();
  write_file(dir / "s2.password", "pw2\n", kPrivate);
  std::ostringstream out2, err2;
  EXPECT_EQ(run_checkconfig(dir.path(), out2, err2), 0) << err2.str();
  EXPECT_EQ(out2.str(), "Config file is good!\n");
  EXPECT_NE(err2.str().find("warning: slaves[0] (s1): password_hash is the old \"sha256:\" "
                            "form"),
            std::string::npos)
      << err2.str();
  EXPECT_NE(err2.str().find("`eventbot hash-password s1`"), std::string::npos);
}

}  // namespace
}  // namespace eventbot::config
