// The agent's parts without processes or sockets: back-off, the masked environment,
// slave.yaml.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "slave-agent/session/reconnect_backoff.hpp"
#include "slave-agent/session/slave_config.hpp"
#include "slave-agent/session/slave_info.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::slave {
namespace {

TEST(ReconnectBackoff, GrowsByAboutETimesWithJitterAndStopsAtTheCap) {
  ReconnectBackoff backoff(ReconnectBackoff::Seconds(1), ReconnectBackoff::Seconds(300), 42);
  double expected = 1;
  for (int i = 0; i < 6; ++i) {
    auto delay = backoff.next().count();
    EXPECT_GE(delay, std::min(300.0, expected * (1 - ReconnectBackoff::kJitter)) - 1e-9) << i;
    EXPECT_LE(delay, std::min(300.0, expected * (1 + ReconnectBackoff::kJitter)) + 1e-9) << i;
    expected *= ReconnectBackoff::kFactor;
  }
  for (int i = 0; i < 20; ++i) EXPECT_LE(backoff.next().count(), 300.0);
  EXPECT_GT(backoff.next().count(), 300.0 * (1 - ReconnectBackoff::kJitter) - 1e-9);
  backoff.reset();
  EXPECT_LE(backoff.next().count(), 1.0 + ReconnectBackoff::kJitter);
}

TEST(ReconnectBackoff, JitterSpreadsSlavesApart) {
  ReconnectBackoff a(ReconnectBackoff::Seconds(10), ReconnectBackoff::Seconds(300), 1);
  ReconnectBackoff b(ReconnectBackoff::Seconds(10), ReconnectBackoff::Seconds(300), 2);
  EXPECT_NE(a.next().count(), b.next().count());
}

TEST(SlaveInfo, SecretLookingValuesAreMasked) {
  std::string entries[] = {"PATH=/usr/bin",    "GITHUB_TOKEN=abc",    "my_passwd=x",
                           "AWS_SECRET_KEY=y", "CREDENTIALS_FILE=/c", "DB_Password=z",
                           "NOEQUALS"};
  std::vector<char*> envp;
  for (auto& e : entries) envp.push_back(e.data());
  envp.push_back(nullptr);
  auto env = masked_environment(envp.data());
  EXPECT_EQ(env.at("PATH"), "/usr/bin");
  EXPECT_EQ(env.at("GITHUB_TOKEN"), "***");
  EXPECT_EQ(env.at("my_passwd"), "***");
  EXPECT_EQ(env.at("AWS_SECRET_KEY"), "***");
  EXPECT_EQ(env.at("CREDENTIALS_FILE"), "***");
  EXPECT_EQ(env.at("DB_Password"), "***");
  EXPECT_EQ(env.count("NOEQUALS"), 0u);
}

TEST(SlaveConfig, WrittenWithMode0600AndReadBack) {
  testing::TempDir dir("eventbot-slave-config");
  SlaveConfig config;
  config.master_host = "ci.example.org";
  config.master_port = 9989;
  config.name = "linux-1";
  config.password = "p: \"quoted\" # not a comment";
  config.umask = 022;
  config.maxdelay_s = 120;
  config.keepalive_s = 30;
  config.allow_shutdown = AllowShutdown::file;
  config.log_size = 1234;
  config.log_count = 3;
  ASSERT_TRUE(write_slave_config(dir.path(), config));
  struct stat st {};
  ASSERT_EQ(::stat(config_file(dir.path()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto read = read_slave_config(dir.path());
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(read->master_host, "ci.example.org");
  EXPECT_EQ(read->master_port, 9989);
  EXPECT_EQ(read->name, "linux-1");
  EXPECT_EQ(read->password, config.password);
  EXPECT_EQ(read->umask, 022u);
  EXPECT_EQ(read->maxdelay_s, 120u);
  EXPECT_EQ(read->keepalive_s, 30u);
  EXPECT_EQ(read->allow_shutdown, AllowShutdown::file);
  EXPECT_EQ(read->log_size, 1234u);
  EXPECT_EQ(read->log_count, 3u);
}

TEST(SlaveConfig, BadValuesAreReportedWithTheKey) {
  testing::TempDir dir("eventbot-slave-config");
  std::ofstream(config_file(dir.path())) << "master: nowhere\nname: a\npassword: b\n";
  auto read = read_slave_config(dir.path());
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().find("master"), std::string::npos) << read.error();
  std::ofstream(config_file(dir.path())) << "master: h:1\nname: a\npassword: b\nmaxdelay: soon\n";
  read = read_slave_config(dir.path());
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().find("maxdelay"), std::string::npos) << read.error();
  EXPECT_EQ(parse_umask("022"), 022u);
  EXPECT_FALSE(parse_umask("089"));
  EXPECT_FALSE(parse_umask(""));
}

}  // namespace
}  // namespace eventbot::slave
