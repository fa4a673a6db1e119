// What the log keeps of master.yaml's secrets: nothing. ConfigLoaded records the file
// with its passwords and URL credentials hidden, and the digest of that redacted text,
// so the digest cannot confirm a guessed password offline either.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "actors/config/config_loader.hpp"
#include "actors/master/config_record.hpp"
#include "tests/master/master_inprocess_support.hpp"

namespace eventbot::master_test {
namespace {

namespace fs = std::filesystem;

// basic_config with its slave's password and the title set.
std::string config_with(const std::string& password, const std::string& title) {
  std::string text = basic_config();
  auto replace = [&](const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  };
  replace("{name: s1, password: pw}", "{name: s1, password: " + password + "}");
  replace("title: master e2e", "title: " + title);
  return text;
}

// Every byte of every file under `dir`.
std::string bytes_under(const fs::path& dir) {
  std::string all;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

TEST(ConfigRecord, TheDigestIsOfTheRedactedTextSoAPasswordCannotBeConfirmed) {
  const auto a = master::config_loaded("master.yaml", config_with("first-Secret-1", "T"));
  const auto b = master::config_loaded("master.yaml", config_with("other-Secret-2", "T"));
  EXPECT_EQ(a.content_sha256(), b.content_sha256());
  EXPECT_EQ(a.content_sha256(), config::content_sha256(a.content()));
  EXPECT_EQ(a.content().find("first-Secret-1"), std::string::npos) << a.content();
  // The digest still tells different configurations apart.
  const auto c = master::config_loaded("master.yaml", config_with("first-Secret-1", "Other"));
  EXPECT_NE(a.content_sha256(), c.content_sha256());
}

// A URL's credentials are hidden in the recorded content like a password is.
TEST(ConfigRecord, UrlCredentialsAreRedactedInTheRecordedContent) {
  const std::string text = basic_config() + R"(x-mirror: &x
  - {type: git_poller, repository: "https://ghp_TOKEN42@git.example.org/r.git"}
)";
  const auto loaded = master::config_loaded("master.yaml", text);
  EXPECT_EQ(loaded.content().find("ghp_TOKEN42"), std::string::npos) << loaded.content();
  EXPECT_NE(loaded.content().find("https://***@git.example.org/r.git"), std::string::npos)
      << loaded.content();
}

class ConfigSecretsE2E : public InProcessMaster {};

// Two masters whose files differ only in a password record the same digest, and
// neither password is anywhere in the bytes of either store (its WAL included). The
// title, recorded in clear, is found: the search does look at what was written.
TEST_F(ConfigSecretsE2E, TwoFilesDifferingInAPasswordRecordOneDigestAndNoPassword) {
  ASSERT_NO_FATAL_FAILURE(start(config_with("pw-Alpha-7731", "marker-title-5519")));
  auto first = events_where(log(), [](const Envelope& e) { return e.has_config_loaded(); });
  ASSERT_EQ(first.size(), 1u);
  const auto first_bytes = bytes_under(dir_ / "events");
  EXPECT_NE(first_bytes.find("marker-title-5519"), std::string::npos)
      << "the title is not in the store's files: the search below would prove nothing";
  EXPECT_EQ(first_bytes.find("pw-Alpha-7731"), std::string::npos);
  master_.reset();

  testing::TempDir other_dir("master-e2e-other");
  write_file(other_dir / "master.yaml", config_with("pw-Bravo-0402", "marker-title-5519"));
  master::MasterOptions options;
  options.dir = other_dir.path();
  options.clock = &clock_;
  options.slave_port = 0;
  options.web_port = 0;  // tests run in parallel: never the fixed 8010
  auto other = master::Master::start(options);
  ASSERT_TRUE(other) << other.error();
  auto second =
      events_where((*other)->log(), [](const Envelope& e) { return e.has_config_loaded(); });
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].config_loaded().content_sha256(), second[0].config_loaded().content_sha256());
  EXPECT_EQ(first[0].config_loaded().content(), second[0].config_loaded().content());
  const auto second_bytes = bytes_under(other_dir / "events");
  EXPECT_NE(second_bytes.find("marker-title-5519"), std::string::npos);
  EXPECT_EQ(second_bytes.find("pw-Bravo-0402"), std::string::npos);
}

}  // namespace
}  // namespace eventbot::master_test
