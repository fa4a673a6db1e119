// make_command for `shell`: ShellArgs reach the CommandRunner (argv/shell string, workdir
// under the builder directory, env, stdin, pty default, logfiles, timeouts, signals) and
// the runner's updates and completion come back as Outputs and a CommandResult.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>

#include "tests/slave-agent/commands_test_support.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::slave {
namespace {

using namespace std::chrono_literals;
using eventbot::testing::TempDir;
using eventbot::testing::wait_until;
using test::RecordingOutput;
using test::run_command;

class ShellCommandTest : public ::testing::Test {
 protected:
  TempDir dir{"eventbot-shellcmd"};
  CommandContext context;

  void SetUp() override {
    context.basedir = dir.path();
    context.builder_dir = dir.path() / "builder";
    context.flush_ms = 10;
  }

  static wire::StartCommand shell(const std::string& script) {
    wire::StartCommand start;
    start.set_command_id("b/1/1");
    start.set_builder("b");
    auto* args = start.mutable_shell();
    args->set_shell(script);
    args->set_want_stdout(true);
    args->set_want_stderr(true);
    args->set_workdir("build");
    return start;
  }
};

TEST_F(ShellCommandTest, ArgvOutputAndExitCode) {
  wire::StartCommand start = shell("");
  start.mutable_shell()->clear_shell();
  for (const char* arg : {"sh", "-c", "echo hello; echo oops >&2; exit 3"}) {
    start.mutable_shell()->add_argv(arg);
  }
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.outcome(), wire::FINISHED);
  EXPECT_EQ(result.rc(), 3);
  EXPECT_EQ(result.signal(), 0);
  EXPECT_TRUE(result.failure_reason().empty());
  EXPECT_GT(result.elapsed_s(), 0.0);
  EXPECT_EQ(out.out(), "hello\n");
  EXPECT_EQ(out.err(), "oops\n");
  EXPECT_NE(out.header().find("program finished with exit code 3"), std::string::npos)
      << out.header();
}

TEST_F(ShellCommandTest, WorkdirIsUnderTheBuilderDirectoryAndCreated) {
  RecordingOutput out;
  auto result = run_command(shell("pwd"), context, out);
  EXPECT_EQ(result.outcome(), wire::FINISHED);
  EXPECT_EQ(result.rc(), 0);
  EXPECT_EQ(out.out(), (dir.path() / "builder" / "build").string() + "\n");
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "builder" / "build"));
}

TEST_F(ShellCommandTest, AbsoluteWorkdirIsAllowed) {
  auto start = shell("pwd");
  start.mutable_shell()->set_workdir((dir.path() / "elsewhere").string());
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.rc(), 0);
  EXPECT_EQ(out.out(), (dir.path() / "elsewhere").string() + "\n");
}

TEST_F(ShellCommandTest, EnvStringsListsAndUnset) {
  ::setenv("EVENTBOT_CMD_TEST_GONE", "still here", 1);
  ::setenv("EVENTBOT_CMD_TEST_BASE", "base", 1);
  auto start = shell("echo \"$A|$B|${EVENTBOT_CMD_TEST_GONE-unset}|$C\"");
  auto* a = start.mutable_shell()->add_env();
  a->set_name("A");
  a->add_values("plain");
  auto* b = start.mutable_shell()->add_env();
  b->set_name("B");
  b->set_is_list(true);
  b->add_values("/opt/bin");
  b->add_values("${EVENTBOT_CMD_TEST_BASE}");
  auto* gone = start.mutable_shell()->add_env();
  gone->set_name("EVENTBOT_CMD_TEST_GONE");
  gone->set_unset(true);
  auto* c = start.mutable_shell()->add_env();
  c->set_name("C");
  c->add_values("x-${EVENTBOT_CMD_TEST_BASE}");
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.rc(), 0);
  EXPECT_EQ(out.out(), "plain|/opt/bin:base|unset|x-base\n");
}

TEST_F(ShellCommandTest, InitialStdinIsWritten) {
  auto start = shell("cat");
  start.mutable_shell()->set_has_stdin(true);
  start.mutable_shell()->set_initial_stdin("from the master\n");
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.rc(), 0);
  EXPECT_EQ(out.out(), "from the master\n");
}

TEST_F(ShellCommandTest, WantStdoutFalseDiscardsStdout) {
  auto start = shell("echo visible >&2; echo hidden");
  start.mutable_shell()->set_want_stdout(false);
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.rc(), 0);
  EXPECT_EQ(out.out(), "");
  EXPECT_EQ(out.err(), "visible\n");
}

TEST_F(ShellCommandTest, PtyComesFromTheArgsOrTheAgentDefault) {
  const std::string probe = "if [ -t 1 ]; then echo tty; else echo notty; fi";
  {
    RecordingOutput out;
    run_command(shell(probe), context, out);
    EXPECT_EQ(out.out(), "notty\n");
  }
  {
    auto start = shell(probe);
    start.mutable_shell()->set_use_pty(true);
    RecordingOutput out;
    run_command(start, context, out);
    EXPECT_EQ(out.out(), "tty\r\n");
  }
  context.use_pty_default = true;
  {
    RecordingOutput out;
    run_command(shell(probe), context, out);
    EXPECT_EQ(out.out(), "tty\r\n");
  }
  {
    // With stdin, the agent's default does not force a pty (and no warning about one).
    auto start = shell(probe + "; cat");
    start.mutable_shell()->set_has_stdin(true);
    start.mutable_shell()->set_initial_stdin("in\n");
    RecordingOutput out;
    run_command(start, context, out);
    EXPECT_EQ(out.out(), "notty\nin\n");
    EXPECT_EQ(out.header().find("disabling usePTY"), std::string::npos) << out.header();
  }
}

TEST_F(ShellCommandTest, LogfilesAreSentUnderTheirName) {
  auto start = shell("echo one > test.log; echo two >> test.log");
  (*start.mutable_shell()->mutable_logfiles())["tests"] = "test.log";
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.rc(), 0);
  EXPECT_EQ(out.log("tests"), "one\ntwo\n");
}

TEST_F(ShellCommandTest, TimeoutKillsTheWholeTree) {
  auto start = shell("sleep 300 & echo $! > bg.pid; echo started; wait");
  start.mutable_shell()->set_timeout_s(1);
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.outcome(), wire::TIMEOUT);
  EXPECT_EQ(result.rc(), -1);
  EXPECT_EQ(result.signal(), SIGKILL);
  EXPECT_EQ(result.failure_reason().rfind("timeout", 0), 0u) << result.failure_reason();
  int bg = std::stoi(test::read_file(dir.path() / "builder" / "build" / "bg.pid"));
  EXPECT_TRUE(wait_until([&] { return !test::process_alive(bg); }, 5s))
      << "the background sleep survived";
}

TEST_F(ShellCommandTest, MaxTime) {
  auto start = shell("while true; do echo tick; sleep 0.1; done");
  start.mutable_shell()->set_max_time_s(1);
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.outcome(), wire::MAX_TIME);
  EXPECT_EQ(result.failure_reason().rfind("max_time", 0), 0u) << result.failure_reason();
}

TEST_F(ShellCommandTest, InterruptEndsTheCommandAsInterrupted) {
  auto start = shell("echo started; sleep 300");
  start.mutable_shell()->set_interrupt_signal("TERM");
  RecordingOutput out;
  auto command = test::must_make(start, context, out);
  ASSERT_NE(command, nullptr);
  command->start();
  ASSERT_TRUE(wait_until([&] { return out.out() == "started\n"; }));
  command->interrupt("stop requested by alice");
  auto result = out.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->outcome(), wire::INTERRUPTED);
  EXPECT_EQ(result->failure_reason(), "interrupted: stop requested by alice");
  EXPECT_EQ(result->signal(), SIGTERM);
  EXPECT_LT(result->elapsed_s(), 30.0);
}

TEST_F(ShellCommandTest, InterruptBeforeStartNeverRuns) {
  auto start = shell("touch ran");
  RecordingOutput out;
  auto command = test::must_make(start, context, out);
  ASSERT_NE(command, nullptr);
  command->interrupt("changed my mind");
  command->start();
  auto result = out.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->outcome(), wire::INTERRUPTED);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "builder" / "build" / "ran"));
}

TEST_F(ShellCommandTest, DestroyingARunningCommandKillsIt) {
  auto start = shell("echo $$ > sh.pid; echo started; sleep 300");
  RecordingOutput out;
  {
    auto command = test::must_make(start, context, out);
    ASSERT_NE(command, nullptr);
    command->start();
    ASSERT_TRUE(wait_until([&] { return out.out() == "started\n"; }));
  }
  ASSERT_TRUE(out.done());
  int pid = std::stoi(test::read_file(dir.path() / "builder" / "build" / "sh.pid"));
  EXPECT_FALSE(test::process_alive(pid));
}

TEST_F(ShellCommandTest, CannotStart) {
  auto start = shell("");
  start.mutable_shell()->clear_shell();
  start.mutable_shell()->add_argv("/nonexistent/program");
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.outcome(), wire::CANNOT_START);
  EXPECT_EQ(result.rc(), -1);
  EXPECT_NE(result.failure_reason().find("No such file"), std::string::npos)
      << result.failure_reason();
}

TEST_F(ShellCommandTest, OutputIsChunkedToContextChunkBytes) {
  context.chunk_bytes = 1000;
  auto start = shell("head -c 300000 /dev/zero | tr '\\0' y");
  RecordingOutput out;
  auto result = run_command(start, context, out);
  EXPECT_EQ(result.rc(), 0);
  EXPECT_EQ(out.out().size(), 300000u);
  EXPECT_LE(out.max_size(wire::STDOUT), 1000u);
  EXPECT_GE(out.count(wire::STDOUT), 300u);
}

TEST_F(ShellCommandTest, InvalidArguments) {
  RecordingOutput out;
  std::string error;
  wire::StartCommand none;
  EXPECT_EQ(make_command(none, context, out, error), nullptr);
  EXPECT_FALSE(error.empty());

  error.clear();
  auto empty = shell("");
  EXPECT_EQ(make_command(empty, context, out, error), nullptr);
  EXPECT_NE(error.find("neither argv nor"), std::string::npos) << error;

  error.clear();
  auto bad_signal = shell("true");
  bad_signal.mutable_shell()->set_interrupt_signal("NOSUCHSIG");
  EXPECT_EQ(make_command(bad_signal, context, out, error), nullptr);
  EXPECT_NE(error.find("NOSUCHSIG"), std::string::npos) << error;

  error.clear();
  CommandContext no_builder;
  EXPECT_EQ(make_command(shell("true"), no_builder, out, error), nullptr);
  EXPECT_FALSE(error.empty());
}

TEST_F(ShellCommandTest, CommandNamesIncludeShell) {
  auto names = command_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "shell"), names.end());
}

}  // namespace
}  // namespace eventbot::slave
