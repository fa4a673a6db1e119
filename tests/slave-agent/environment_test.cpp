// The `env` rules of a shell command (Buildbot's RunProcess), the signal names the
// protocol will hand over, and which names count as secret.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include "slave-agent/shell_command.hpp"

namespace eventbot::slave {
namespace {

const Environment kSlave{
    {"PATH", "/usr/bin:/bin"},
    {"HOME", "/home/slave"},
    {"PYTHONPATH", "/slave/py"},
    {"LANG", "C"},
};

TEST(Environment, NoEnvIsTheSlaveEnvironment) {
  EXPECT_EQ(build_environment(kSlave, {}), kSlave);
}

TEST(Environment, StringReplacesAndAdds) {
  auto env = build_environment(kSlave, {{"LANG", "fr_FR"}, {"NEW", "value"}});
  EXPECT_EQ(env.at("LANG"), "fr_FR");
  EXPECT_EQ(env.at("NEW"), "value");
  EXPECT_EQ(env.at("HOME"), "/home/slave");
}

TEST(Environment, UnsetRemoves) {
  auto env = build_environment(kSlave, {{"LANG", std::nullopt}, {"NOT_THERE", std::nullopt}});
  EXPECT_FALSE(env.contains("LANG"));
  EXPECT_FALSE(env.contains("NOT_THERE"));
}

TEST(Environment, ExpandsFromTheSlaveEnvironment) {
  auto env = build_environment(kSlave, {{"PATH", "/home/buildbot/bin:${PATH}"},
                                        {"GREETING", "${HOME}/x ${UNDEFINED}end"},
                                        // Expansion reads the slave's values, not the new ones.
                                        {"LANG", "en"},
                                        {"OLD_LANG", "${LANG}"}});
  EXPECT_EQ(env.at("PATH"), "/home/buildbot/bin:/usr/bin:/bin");
  EXPECT_EQ(env.at("GREETING"), "/home/slave/x end");
  EXPECT_EQ(env.at("OLD_LANG"), "C");
}

TEST(Environment, OnlyBracedNamesExpand) {
  auto env = build_environment(kSlave, {{"A", "$HOME ${HOME-x} ${HOME ${} $"}});
  EXPECT_EQ(env.at("A"), "$HOME ${HOME-x} ${HOME  $");
}

TEST(Environment, ListIsJoinedWithColons) {
  auto env = build_environment(kSlave, {{"PATH", std::vector<std::string>{"/opt/bin", "${PATH}"}},
                                        {"LIBS", std::vector<std::string>{"/a", "/b"}}});
  EXPECT_EQ(env.at("PATH"), "/opt/bin:/usr/bin:/bin");  // prepending is spelled ${PATH}
  EXPECT_EQ(env.at("LIBS"), "/a:/b");                   // a list alone replaces
}

TEST(Environment, PythonpathIsPrepended) {
  auto env =
      build_environment(kSlave, {{"PYTHONPATH", std::vector<std::string>{"/usr/lib/py", "/x"}}});
  EXPECT_EQ(env.at("PYTHONPATH"), "/usr/lib/py:/x:/slave/py");
  env = build_environment(kSlave, {{"PYTHONPATH", "/one"}});
  EXPECT_EQ(env.at("PYTHONPATH"), "/one:/slave/py");
  // No trailing ':' (the cwd, for Python) when the slave has no PYTHONPATH.
  env = build_environment({{"PATH", "/bin"}}, {{"PYTHONPATH", "/one"}});
  EXPECT_EQ(env.at("PYTHONPATH"), "/one");
}

TEST(Environment, CurrentEnvironmentReadsThisProcess) {
  ::setenv("EVENTBOT_SLAVE_TEST_VAR", "a=b", 1);
  EXPECT_EQ(current_environment().at("EVENTBOT_SLAVE_TEST_VAR"), "a=b");
  ::unsetenv("EVENTBOT_SLAVE_TEST_VAR");
}

TEST(SignalNames, BuildbotNamesAndNumbers) {
  EXPECT_EQ(signal_from_name("KILL"), SIGKILL);
  EXPECT_EQ(signal_from_name("TERM"), SIGTERM);
  EXPECT_EQ(signal_from_name("sigint"), SIGINT);
  EXPECT_EQ(signal_from_name("9"), 9);
  EXPECT_EQ(signal_from_name("NOPE"), std::nullopt);
  EXPECT_EQ(signal_from_name("0"), std::nullopt);
  EXPECT_EQ(signal_from_name(""), std::nullopt);
}

TEST(SecretNames, MaskedWords) {
  EXPECT_TRUE(is_secret_name("DB_PASSWORD"));
  EXPECT_TRUE(is_secret_name("github_token"));
  EXPECT_TRUE(is_secret_name("AWS_SECRET_ACCESS_KEY"));
  EXPECT_TRUE(is_secret_name("SMTP_PASSWD"));
  EXPECT_FALSE(is_secret_name("PATH"));
  EXPECT_FALSE(is_secret_name("HOME"));
}

}  // namespace
}  // namespace eventbot::slave
