// `eventbot checkconfig`: its output and exit code, on files in a temporary directory.
#include "actors/config/checkconfig.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "actors/config/master_yaml_template.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_certificates.hpp"

namespace eventbot::config {
namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The template as create-master writes it: with its web user's password file.
void write_template(const std::filesystem::path& path, const std::string& text) {
  write_file(path, text);
  // It holds passwords: readable by its owner only, as create-master writes it.
  std::filesystem::permissions(path, static_cast<std::filesystem::perms>(0600));
  const auto password = path.parent_path() / std::string(kWebPasswordFile);
  write_file(password, "made-at-random\n");
  std::filesystem::permissions(
      password, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome checkconfig(const std::filesystem::path& path) {
  std::ostringstream out, err;
  int code = run_checkconfig(path, out, err);
  return {code, out.str(), err.str()};
}

TEST(Checkconfig, AGoodDirectorySaysSo) {
  eventbot::testing::TempDir dir("checkconfig");
  write_template(dir / "master.yaml", master_yaml_template());
  Outcome outcome = checkconfig(dir.path());
  EXPECT_EQ(outcome.code, 0);
  EXPECT_EQ(outcome.out, "Config file is good!\n");
  EXPECT_EQ(outcome.err, "");
}

TEST(Checkconfig, AGoodFileNamedDirectly) {
  eventbot::testing::TempDir dir("checkconfig");
  write_template(dir / "other.yaml", master_yaml_template());
  EXPECT_EQ(checkconfig(dir / "other.yaml").code, 0);
}

// master.tls is loaded as the port will load it, relative to the master's directory.
TEST(Checkconfig, TlsFilesAreLoadedRelativeToTheMasterDirectory) {
  eventbot::testing::TempDir dir("checkconfig");
  std::filesystem::create_directory(dir / "tls");
  auto made = eventbot::testing::make_test_certificate(dir / "tls", "master", "DNS:localhost");
  auto other = eventbot::testing::make_test_certificate(dir / "tls", "other", "DNS:localhost");
  auto with_tls = [&](const std::string& certificate, const std::string& key) {
    std::string text = master_yaml_template();
    auto at = text.find("  slave_port: 9989\n");
    text.insert(at, "  tls: {certificate: " + certificate + ", key: " + key + "}\n");
    write_template(dir / "master.yaml", text);
    return checkconfig(dir.path());
  };
  EXPECT_EQ(with_tls("tls/master.pem", "tls/master.key").code, 0);
  EXPECT_EQ(with_tls(made.certificate.string(), made.key.string()).code, 0);  // absolute

  Outcome missing = with_tls("tls/none.pem", "tls/master.key");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("master.tls: the certificate"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("none.pem does not exist"), std::string::npos) << missing.err;

  Outcome mismatched = with_tls("tls/master.pem", "tls/other.key");
  EXPECT_EQ(mismatched.code, 1);
  EXPECT_NE(mismatched.err.find("other.key"), std::string::npos) << mismatched.err;
  (void)other;
}

TEST(Checkconfig, ABadFilePrintsEveryErrorAndFails) {
  eventbot::testing::TempDir dir("checkconfig");
  const std::string path = (dir / "master.yaml").string();
  write_file(path, R"(titel: x
slaves:
  - {name: s, password: p}
builders:
  - {name: runtests, slaves: [t]}
schedulers:
  - {type: force, name: f, builders: [runtest]}
)");
  Outcome outcome = checkconfig(dir.path());
  EXPECT_EQ(outcome.code, 1);
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(
      outcome.err,
      path + R"(:1:1: titel: unknown key "titel" (did you mean "title"?)
)" + path +
          R"(:5:31: builders[0].slaves[0]: no slave named "t"
)" + path +
          R"(:7:39: schedulers[0].builders[0]: no builder named "runtest" (did you mean "runtests"?)
)");
}

TEST(Checkconfig, AMissingFileFails) {
  eventbot::testing::TempDir dir("checkconfig");
  Outcome outcome = checkconfig(dir.path());
  EXPECT_EQ(outcome.code, 1);
  EXPECT_EQ(outcome.err,
            (dir / "master.yaml").string() + ": cannot read the file: No such file or directory\n");
}

// A byte that is not UTF-8 (here in a builder's description) is refused at its line
// and column; nothing of the file is taken.
TEST(Checkconfig, TextThatIsNotUtf8IsRefusedWithItsPosition) {
  eventbot::testing::TempDir dir("checkconfig");
  std::string text = master_yaml_template();
  const std::string builder = "  - name: runtests\n";
  const auto at = text.find(builder);
  ASSERT_NE(at, std::string::npos);
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n') + 1;
  text.insert(at + builder.size(), "    description: caf\xFF\n");
  write_file(dir / "master.yaml", text);
  Outcome outcome = checkconfig(dir.path());
  EXPECT_EQ(outcome.code, 1);
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(outcome.err, (dir / "master.yaml").string() + ":" + std::to_string(line) +
                             ":21: not UTF-8: byte 0xFF does not belong to a UTF-8 character; "
                             "master.yaml must be UTF-8 text\n");
}

// A file holding passwords that group or others may read is good, with a warning that
// says how to fix it; mode 0600 (what create-master writes) has none.
TEST(Checkconfig, WarnsWhenAFileHoldingSecretsIsReadableByOthers) {
  eventbot::testing::TempDir dir("checkconfig");
  const auto path = dir / "master.yaml";
  write_template(path, master_yaml_template());  // the template holds clear passwords
  std::filesystem::permissions(path, static_cast<std::filesystem::perms>(0644));
  Outcome readable = checkconfig(dir.path());
  EXPECT_EQ(readable.code, 0);
  EXPECT_EQ(readable.out, "Config file is good!\n");
  EXPECT_EQ(readable.err, "warning: master.yaml holds passwords or tokens, and " + path.string() +
                              " can be read by others than its owner (mode 0644; chmod 600 it)\n");
  std::filesystem::permissions(path, static_cast<std::filesystem::perms>(0640));
  EXPECT_NE(checkconfig(dir.path()).err.find("(mode 0640; chmod 600 it)"), std::string::npos);

  std::filesystem::permissions(path, static_cast<std::filesystem::perms>(0600));
  Outcome owner_only = checkconfig(dir.path());
  EXPECT_EQ(owner_only.code, 0);
  EXPECT_EQ(owner_only.err, "");

  // A token in a repository URL is a secret too.
  write_file(path,
             "change_sources:\n  - {type: git_poller, repository: "
             "\"https://ghp_abc@example.org/r.git\"}\n");
  std::filesystem::permissions(path, static_cast<std::filesystem::perms>(0644));
  Outcome token = checkconfig(dir.path());
  EXPECT_EQ(token.code, 0) << token.err;
  EXPECT_NE(token.err.find("warning: master.yaml holds passwords or tokens"), std::string::npos)
      << token.err;
  EXPECT_EQ(token.err.find("ghp_abc"), std::string::npos) << token.err;

  // No secret at all: no warning, whoever may read it.
  write_file(path, "title: nothing secret\n");
  std::filesystem::permissions(path, static_cast<std::filesystem::perms>(0644));
  EXPECT_EQ(checkconfig(dir.path()).err, "");
}

// A FIFO named as the config is refused at once instead of waiting for a writer.
TEST(Checkconfig, AFifoIsRefusedWithoutWaiting) {
  eventbot::testing::TempDir dir("checkconfig");
  ASSERT_EQ(::mkfifo((dir / "master.yaml").c_str(), 0600), 0);
  Outcome outcome = checkconfig(dir.path());
  EXPECT_EQ(outcome.code, 1);
  EXPECT_EQ(outcome.err, (dir / "master.yaml").string() +
                             ": cannot read the file: it is a FIFO, not a regular file\n");
}

}  // namespace
}  // namespace eventbot::config
