// Where the command-line tools take their login from, each source on its own: a file,
// the terminal (a real pseudo-terminal, echo off while the password is typed), the
// environment, and the old --auth USER:PASS.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "actors/cli/login.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::cli {
namespace {

namespace fs = std::filesystem;
constexpr char kEnv[] = "EVENTBOT_TEST_AUTH";

struct Resolved {
  Expected<std::optional<Login>, std::string> login;
  std::string said;  // the prompt and warnings
};

Resolved resolve(const LoginOptions& options, int terminal = -1) {
  std::ostringstream prompt;
  auto login = resolve_login(options, kEnv, terminal, prompt);
  return {std::move(login), prompt.str()};
}

class LoginSources : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv(kEnv); }
  fs::path file(const std::string& text,
                fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
    auto path = dir / "auth";
    std::ofstream(path) << text;
    fs::permissions(path, mode);
    return path;
  }
  eventbot::testing::TempDir dir{"cli-login"};
};

TEST_F(LoginSources, NoneGivenIsNoLogin) {
  auto resolved = resolve({});
  ASSERT_TRUE(resolved.login);
  EXPECT_FALSE(*resolved.login);  // the caller's default: anonymous, or change:changepw
}

TEST_F(LoginSources, AuthFileHoldsUserColonPassword) {
  auto resolved = resolve({"", file("admin:s3:cret\nignored\n").string()});
  ASSERT_TRUE(resolved.login) << resolved.login.error();
  ASSERT_TRUE(*resolved.login);
  EXPECT_EQ((*resolved.login)->user, "admin");
  EXPECT_EQ((*resolved.login)->password, "s3:cret");  // split at the first colon only
  EXPECT_EQ(resolved.said, "");
  // With --auth USER the file holds the password alone (a master's password_file).
  auto bare = resolve({"admin", file("only-the-password\n").string()});
  ASSERT_TRUE(bare.login && *bare.login);
  EXPECT_EQ((*bare.login)->user, "admin");
  EXPECT_EQ((*bare.login)->password, "only-the-password");
}

TEST_F(LoginSources, AuthFileProblemsAreClear) {
  auto missing = resolve({"", (dir / "none").string()});
  ASSERT_FALSE(missing.login);
  EXPECT_EQ(missing.login.error(), "cannot read --auth-file " + (dir / "none").string());
  auto no_colon = resolve({"", file("justaword\n").string()});
  ASSERT_FALSE(no_colon.login);
  EXPECT_NE(no_colon.login.error().find("must hold USER:PASS"), std::string::npos);
  EXPECT_EQ(no_colon.login.error().find("justaword"), std::string::npos);  // no secret shown
  auto open =
      resolve({"", file("admin:pw\n", fs::perms::owner_read | fs::perms::others_read).string()});
  ASSERT_TRUE(open.login);
  EXPECT_NE(open.said.find("may be read by other users: chmod 600"), std::string::npos);
}

TEST_F(LoginSources, EnvironmentVariable) {
  ::setenv(kEnv, "dev:devpw", 1);
  auto resolved = resolve({});
  ASSERT_TRUE(resolved.login && *resolved.login);
  EXPECT_EQ((*resolved.login)->user, "dev");
  EXPECT_EQ((*resolved.login)->password, "devpw");
  // A file given explicitly wins over the environment.
  auto from_file = resolve({"", file("admin:pw\n").string()});
  ASSERT_TRUE(from_file.login && *from_file.login);
  EXPECT_EQ((*from_file.login)->user, "admin");
  ::setenv(kEnv, "nocolon", 1);
  EXPECT_FALSE(resolve({}).login);
}

TEST_F(LoginSources, AuthUserColonPassStillWorks) {
  auto resolved = resolve({"admin:secret", ""});
  ASSERT_TRUE(resolved.login && *resolved.login);
  EXPECT_EQ((*resolved.login)->user, "admin");
  EXPECT_EQ((*resolved.login)->password, "secret");
}

TEST_F(LoginSources, AuthUserWithoutATerminalSaysWhatToDoInstead) {
  auto resolved = resolve({"admin", ""}, -1);
  ASSERT_FALSE(resolved.login);
  EXPECT_NE(resolved.login.error().find("no terminal"), std::string::npos);
  EXPECT_NE(resolved.login.error().find("--auth-file FILE or EVENTBOT_TEST_AUTH"),
            std::string::npos)
      << resolved.login.error();
}

TEST_F(LoginSources, AuthUserAsksThePasswordOnTheTerminalWithoutEcho) {
  int master = -1, slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  bool echo_while_asking = true;
  std::thread typist([&] {
    // Waits for the question (written to the prompt stream, not the terminal): the echo
    // goes off first, so the typed password must not come back.
    echo_while_asking = !eventbot::testing::wait_until([&] {
      termios now{};
      return ::tcgetattr(slave, &now) == 0 && !(now.c_lflag & ECHO);
    });
    const std::string typed = "typed-secret\n";
    ASSERT_EQ(::write(master, typed.data(), typed.size()), static_cast<ssize_t>(typed.size()));
  });
  auto resolved = resolve({"admin", ""}, slave);
  typist.join();
  ASSERT_TRUE(resolved.login) << resolved.login.error();
  ASSERT_TRUE(*resolved.login);
  EXPECT_EQ((*resolved.login)->user, "admin");
  EXPECT_EQ((*resolved.login)->password, "typed-secret");
  EXPECT_EQ(resolved.said, "password for admin: \n");
  EXPECT_FALSE(echo_while_asking);
  termios after{};
  ::tcgetattr(slave, &after);
  EXPECT_TRUE(after.c_lflag & ECHO);  // restored
  // Nothing of the password was echoed back to the terminal.
  ::fcntl(master, F_SETFL, O_NONBLOCK);
  char echoed[256];
  auto n = ::read(master, echoed, sizeof echoed);
  EXPECT_EQ(std::string(echoed, n > 0 ? static_cast<std::size_t>(n) : 0).find("typed-secret"),
            std::string::npos);
  ::close(master);
  ::close(slave);
}

}  // namespace
}  // namespace eventbot::cli
