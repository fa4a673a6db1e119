// CommandRunner with real child processes: output and exit codes, env, workdir, stdin,
// ptys, timeouts and the kill sequence (checked down to the grandchildren), batching and
// back-pressure, log files, the header.
#include "slave-agent/command_runner.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::slave {
namespace {

using namespace std::chrono_literals;
using eventbot::testing::TempDir;
using eventbot::testing::wait_until;

// Records what the runner reports. Optionally slow (sleeps in every deliver) and
// optionally counting only, for output too large to keep.
class RecordingSink : public UpdateSink {
 public:
  std::chrono::microseconds delay{0};
  bool keep_data = true;
  std::function<void(const Update&)> on_update;

  void deliver(Update update) override {
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    if (on_update) on_update(update);
    std::lock_guard lock(mutex_);
    max_update_size_ = std::max(max_update_size_, update.data.size());
    ++update_count_[update.kind];
    bytes_[update.kind] += update.data.size();
    if (update.kind == Update::Kind::stdout_data) {
      y_count_ += std::count(update.data.begin(), update.data.end(), 'y');
    }
    if (!keep_data && update.kind != Update::Kind::header) return;
    if (update.kind == Update::Kind::logfile_data) {
      logs_[update.log_name] += update.data;
    } else {
      text_[update.kind] += update.data;
    }
  }

  void complete(Completion completion) override {
    std::lock_guard lock(mutex_);
    EXPECT_FALSE(completion_.has_value()) << "complete() called twice";
    completion_ = std::move(completion);
  }

  std::string text(Update::Kind kind) const {
    std::lock_guard lock(mutex_);
    auto found = text_.find(kind);
    return found == text_.end() ? "" : found->second;
  }
  std::string out() const { return text(Update::Kind::stdout_data); }
  std::string err() const { return text(Update::Kind::stderr_data); }
  std::string header() const { return text(Update::Kind::header); }
  std::string log(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto found = logs_.find(name);
    return found == logs_.end() ? "" : found->second;
  }
  std::size_t count(Update::Kind kind) const {
    std::lock_guard lock(mutex_);
    auto found = update_count_.find(kind);
    return found == update_count_.end() ? 0 : found->second;
  }
  std::size_t bytes(Update::Kind kind) const {
    std::lock_guard lock(mutex_);
    auto found = bytes_.find(kind);
    return found == bytes_.end() ? 0 : found->second;
  }
  std::size_t y_count() const {
    std::lock_guard lock(mutex_);
    return y_count_;
  }
  std::size_t max_update_size() const {
    std::lock_guard lock(mutex_);
    return max_update_size_;
  }
  std::optional<Completion> completion() const {
    std::lock_guard lock(mutex_);
    return completion_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<Update::Kind, std::string> text_;
  std::map<std::string, std::string> logs_;
  std::map<Update::Kind, std::size_t> update_count_;
  std::map<Update::Kind, std::size_t> bytes_;
  std::size_t y_count_ = 0;
  std::size_t max_update_size_ = 0;
  std::optional<Completion> completion_;
};

// The slave environment every test runs with: hermetic, not the test's own.
Environment slave_env() {
  return {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
          {"HOME", "/nonexistent-home"},
          {"SLAVE_VAR", "from-slave"},
          {"LANG", "C"}};
}

ShellCommandSpec shell(std::string script, const std::filesystem::path& workdir) {
  ShellCommandSpec spec;
  spec.command = std::move(script);
  spec.workdir = workdir;
  spec.flush_interval = 10ms;
  return spec;
}

// Runs to completion (with a deadline) and returns the completion.
Completion run(ShellCommandSpec spec, RecordingSink& sink,
               std::chrono::milliseconds deadline = 30s) {
  CommandRunner runner(std::move(spec), sink, slave_env());
  runner.start();
  EXPECT_TRUE(runner.wait_for(deadline)) << "the command did not complete in time";
  auto completion = sink.completion();
  EXPECT_TRUE(completion.has_value());
  return completion.value_or(Completion{});
}

// The state letter of /proc/<pid>/stat (R, S, T, Z...), or 0 if there is no such process.
char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!stat || !std::getline(stat, line)) return 0;
  auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return 0;
  return line[close + 2];
}

std::string process_field(pid_t pid, const std::string& file) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  std::getline(in, line);
  return line;
}

// Gone, or a zombie that is no longer ours to reap (this container's init may not reap
// orphans): either way nothing runs any more.
bool process_gone(pid_t pid) {
  char state = process_state(pid);
  return state == 0 || state == 'Z' || state == 'X';
}

std::vector<pid_t> pids_in(const std::string& text) {
  std::vector<pid_t> pids;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && std::all_of(line.begin(), line.end(), ::isdigit)) {
      pids.push_back(static_cast<pid_t>(std::stol(line)));
    }
  }
  return pids;
}

bool not_our_child_any_more(pid_t pid) {
  errno = 0;
  return ::waitpid(pid, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

// --- commands, output, exit codes --------------------------------------------------------

TEST(CommandRunner, ArgvCommandOutputAndRc) {
  TempDir dir;
  RecordingSink sink;
  ShellCommandSpec spec;
  spec.command = std::vector<std::string>{"echo", "hello world", "$HOME"};
  spec.workdir = dir.path();
  auto done = run(spec, sink);
  EXPECT_EQ(sink.out(), "hello world $HOME\n");  // argv: no shell expansion
  EXPECT_EQ(sink.err(), "");
  EXPECT_EQ(done.rc, 0);
  EXPECT_EQ(done.outcome, Completion::Outcome::finished);
  EXPECT_EQ(done.failure_reason, "");
  EXPECT_FALSE(done.signal.has_value());
  EXPECT_FALSE(done.interrupted());
  EXPECT_GT(done.elapsed_seconds, 0.0);
}

TEST(CommandRunner, ShellStringSeparatesStdoutAndStderrAndKeepsNonzeroRc) {
  TempDir dir;
  RecordingSink sink;
  auto done = run(shell("echo out; echo err >&2; echo out2; exit 7", dir.path()), sink);
  EXPECT_EQ(sink.out(), "out\nout2\n");
  EXPECT_EQ(sink.err(), "err\n");
  EXPECT_EQ(done.rc, 7);
  EXPECT_EQ(done.outcome, Completion::Outcome::finished);
  EXPECT_EQ(done.failure_reason, "");  // a failing command is not a runner failure
}

TEST(CommandRunner, UnwantedStreamsAreDiscarded) {
  TempDir dir;
  RecordingSink no_out;
  auto spec = shell("echo out; echo err >&2", dir.path());
  spec.want_stdout = false;
  run(spec, no_out);
  EXPECT_EQ(no_out.out(), "");
  EXPECT_EQ(no_out.count(Update::Kind::stdout_data), 0u);
  EXPECT_EQ(no_out.err(), "err\n");

  RecordingSink no_err;
  spec.want_stdout = true;
  spec.want_stderr = false;
  run(spec, no_err);
  EXPECT_EQ(no_err.out(), "out\n");
  EXPECT_EQ(no_err.count(Update::Kind::stderr_data), 0u);
}

TEST(CommandRunner, DiscardedOutputIsStillDrained) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("head -c 5000000 /dev/zero; echo done >&2", dir.path());
  spec.want_stdout = false;
  auto done = run(spec, sink);
  EXPECT_EQ(done.rc, 0);
  EXPECT_EQ(sink.err(), "done\n");
}

TEST(CommandRunner, SignalledCommandHasRcMinusOne) {
  TempDir dir;
  RecordingSink sink;
  auto done = run(shell("echo before; kill -TERM $$; echo after", dir.path()), sink);
  EXPECT_EQ(done.rc, -1);
  EXPECT_EQ(done.signal, SIGTERM);
  EXPECT_EQ(done.outcome, Completion::Outcome::finished);  // not the runner's doing
  EXPECT_EQ(sink.out(), "before\n");
  EXPECT_NE(sink.header().find("process killed by signal 15\n"), std::string::npos);
  EXPECT_NE(sink.header().find("program finished with exit code -1\n"), std::string::npos);
}

TEST(CommandRunner, ProgramNotFoundCannotStart) {
  TempDir dir;
  RecordingSink sink;
  ShellCommandSpec spec;
  spec.command = std::vector<std::string>{"eventbot-no-such-program", "x"};
  spec.workdir = dir.path();
  auto done = run(spec, sink);
  EXPECT_EQ(done.outcome, Completion::Outcome::cannot_start);
  EXPECT_EQ(done.rc, -1);
  EXPECT_EQ(done.failure_reason,
            "cannot start: eventbot-no-such-program: No such file or directory");
  EXPECT_NE(sink.header().find("cannot start:"), std::string::npos);

  RecordingSink not_executable;
  std::ofstream(dir / "script.sh") << "echo hi\n";
  spec.command = std::vector<std::string>{"./script.sh"};
  done = run(spec, not_executable);
  EXPECT_EQ(done.outcome, Completion::Outcome::cannot_start);
  EXPECT_EQ(done.failure_reason, "cannot start: ./script.sh: Permission denied");

  RecordingSink empty;
  spec.command = std::vector<std::string>{};
  done = run(spec, empty);
  EXPECT_EQ(done.failure_reason, "cannot start: empty command");
}

// --- environment -------------------------------------------------------------------------

TEST(CommandRunner, EnvironmentSetUnsetExpanded) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell(
      "echo \"A=$A\"; echo \"LANG=${LANG-unset}\"; echo \"X=$X\"; echo \"SLAVE=$SLAVE_VAR\"; "
      "echo \"PWD=$PWD\"",
      dir.path());
  spec.env = {{"A", "one two"}, {"LANG", std::nullopt}, {"X", "${SLAVE_VAR}/${NOPE}/x"}};
  auto done = run(spec, sink);
  EXPECT_EQ(done.rc, 0);
  EXPECT_EQ(sink.out(), "A=one two\nLANG=unset\nX=from-slave//x\nSLAVE=from-slave\nPWD=" +
                            dir.path().string() + "\n");
}

TEST(CommandRunner, PathPrependListFindsTheProgram) {
  TempDir dir;
  std::filesystem::create_directories(dir / "tools");
  auto tool = dir / "tools" / "eventbot-hello";
  std::ofstream(tool) << "#!/bin/sh\necho \"hello from tools, PATH=$PATH\"\n";
  std::filesystem::permissions(tool, std::filesystem::perms::owner_all);

  RecordingSink sink;
  ShellCommandSpec spec;
  spec.command = std::vector<std::string>{"eventbot-hello"};
  spec.workdir = dir.path();
  spec.env = {{"PATH", std::vector<std::string>{(dir / "tools").string(), "${PATH}"}}};
  auto done = run(spec, sink);
  EXPECT_EQ(done.rc, 0) << sink.header();
  EXPECT_EQ(sink.out(), "hello from tools, PATH=" + (dir / "tools").string() +
                            ":/usr/local/bin:/usr/bin:/bin\n");
}

// --- workdir -----------------------------------------------------------------------------

TEST(CommandRunner, RunsInTheWorkdirAndCreatesIt) {
  TempDir dir;
  RecordingSink sink;
  auto workdir = dir / "builder" / "build";  // missing: created, as Buildbot does
  auto done = run(shell("echo made > out.txt; pwd", workdir), sink);
  EXPECT_EQ(done.rc, 0);
  EXPECT_EQ(sink.out(), workdir.string() + "\n");
  std::ifstream made(workdir / "out.txt");
  std::string content;
  std::getline(made, content);
  EXPECT_EQ(content, "made");
}

TEST(CommandRunner, UncreatableWorkdirCannotStart) {
  TempDir dir;
  std::ofstream(dir / "file") << "not a directory";
  RecordingSink sink;
  auto done = run(shell("echo never", dir / "file" / "sub"), sink);
  EXPECT_EQ(done.outcome, Completion::Outcome::cannot_start);
  EXPECT_EQ(done.rc, -1);
  EXPECT_EQ(done.failure_reason.rfind(
                "cannot start: cannot create workdir " + (dir / "file" / "sub").string() + ": ", 0),
            0u)
      << done.failure_reason;
  EXPECT_EQ(sink.out(), "");
}

// --- stdin -------------------------------------------------------------------------------

TEST(CommandRunner, InitialStdinIsWrittenThenClosed) {
  TempDir dir;
  RecordingSink sink;
  ShellCommandSpec spec;
  spec.command = std::vector<std::string>{"cat"};
  spec.workdir = dir.path();
  spec.initial_stdin = "hello\nworld\n";
  auto done = run(spec, sink);
  EXPECT_EQ(done.rc, 0);
  EXPECT_EQ(sink.out(), "hello\nworld\n");
  EXPECT_NE(sink.header().find(" writing 12 bytes to stdin\n"), std::string::npos);
}

TEST(CommandRunner, LargeStdinWhileReadingOutput) {
  TempDir dir;
  RecordingSink sink;
  ShellCommandSpec spec;
  spec.command = std::vector<std::string>{"cat"};
  spec.workdir = dir.path();
  std::string input;
  for (int i = 0; input.size() < 3'000'000; ++i) input += "line " + std::to_string(i) + "\n";
  spec.initial_stdin = input;
  auto done = run(spec, sink);
  EXPECT_EQ(done.rc, 0);
  EXPECT_EQ(sink.out() == input, true);
}

TEST(CommandRunner, StdinTheCommandDoesNotReadIsHarmless) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("exec 0<&-; echo closed", dir.path());
  spec.initial_stdin = std::string(1'000'000, 'x');  // more than a pipe holds: EPIPE
  auto done = run(spec, sink);
  EXPECT_EQ(done.rc, 0);
  EXPECT_EQ(sink.out(), "closed\n");
}

TEST(CommandRunner, NoInitialStdinMeansDevNull) {
  TempDir dir;
  RecordingSink sink;
  auto done = run(shell("cat; echo eof", dir.path()), sink);
  EXPECT_EQ(done.rc, 0);
  EXPECT_EQ(sink.out(), "eof\n");
}

// --- pty ---------------------------------------------------------------------------------

TEST(CommandRunner, PtyMakesATerminal) {
  TempDir dir;
  RecordingSink with_pty;
  auto spec = shell("test -t 0 && test -t 1 && test -t 2", dir.path());
  spec.use_pty = true;
  EXPECT_EQ(run(spec, with_pty).rc, 0);
  EXPECT_NE(with_pty.header().find(" using PTY: True\n"), std::string::npos);

  RecordingSink without;
  spec.use_pty = false;
  EXPECT_EQ(run(spec, without).rc, 1);
  EXPECT_NE(without.header().find(" using PTY: False\n"), std::string::npos);
}

TEST(CommandRunner, PtyMergesStderrIntoStdout) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("echo out; echo err >&2; exit 4", dir.path());
  spec.use_pty = true;
  auto done = run(spec, sink);
  EXPECT_EQ(done.rc, 4);
  EXPECT_EQ(sink.err(), "");
  EXPECT_EQ(sink.out(), "out\r\nerr\r\n");  // a terminal turns \n into \r\n
}

TEST(CommandRunner, InitialStdinDisablesThePty) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("test -t 1; echo $?; cat", dir.path());
  spec.use_pty = true;
  spec.initial_stdin = "in\n";
  auto done = run(spec, sink);
  EXPECT_EQ(done.rc, 0);
  EXPECT_EQ(sink.out(), "1\nin\n");
  EXPECT_NE(sink.header().find("WARNING: disabling usePTY for this command\n"), std::string::npos);
}

// --- timeouts and the kill sequence --------------------------------------------------------

TEST(CommandRunner, NoOutputTimeoutKillsTheWholeTree) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("sleep 100 & echo $!; echo $$; sleep 100", dir.path());
  spec.timeout = 1s;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(wait_until([&] { return pids_in(sink.out()).size() == 2; }));
  auto pids = pids_in(sink.out());
  for (pid_t pid : pids) EXPECT_FALSE(process_gone(pid));
  ASSERT_TRUE(runner.wait_for(30s));
  auto done = *sink.completion();
  EXPECT_EQ(done.outcome, Completion::Outcome::timeout);
  EXPECT_EQ(done.failure_reason, "timeout: no output for 1 s");
  EXPECT_EQ(done.rc, -1);
  EXPECT_EQ(done.signal, SIGKILL);
  EXPECT_GE(done.elapsed_seconds, 1.0);
  EXPECT_LT(done.elapsed_seconds, 20.0);
  EXPECT_NE(sink.header().find("command timed out: 1 seconds without output, attempting to kill"),
            std::string::npos);
  // Both the shell and its background sleep are gone by the time completion is reported.
  for (pid_t pid : pids) EXPECT_TRUE(process_gone(pid)) << pid;
  EXPECT_TRUE(not_our_child_any_more(runner.pid()));
}

TEST(CommandRunner, RegularOutputIsNotATimeoutButMaxTimeIs) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("while :; do echo tick; sleep 0.1; done", dir.path());
  spec.timeout = 500ms;
  spec.max_time = 1500ms;
  auto done = run(spec, sink);
  EXPECT_EQ(done.outcome, Completion::Outcome::max_time);
  EXPECT_EQ(done.failure_reason, "max_time: 1.5 s exceeded");
  EXPECT_GE(done.elapsed_seconds, 1.5);
  auto out = sink.out();
  EXPECT_GE(std::count(out.begin(), out.end(), '\n'), 5);
  EXPECT_NE(sink.header().find("command timed out: 1.5 seconds elapsed, attempting to kill"),
            std::string::npos);
  EXPECT_NE(sink.header().find(" (timeout 0.5 secs) (maxTime 1.5 secs)"), std::string::npos);
}

TEST(CommandRunner, LogfileOutputCountsAsOutput) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo $i >> x.log; sleep 0.1; done",
                    dir.path());
  spec.logfiles = {{"x", "x.log"}};
  spec.logfile_poll_interval = 20ms;
  spec.timeout = 600ms;
  auto done = run(spec, sink);
  EXPECT_EQ(done.outcome, Completion::Outcome::finished) << done.failure_reason;
  EXPECT_EQ(done.rc, 0);
}

TEST(CommandRunner, InterruptWithSigtermTimeLetsTheCommandClean) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("trap 'echo got TERM; exit 3' TERM; echo ready; while :; do sleep 0.05; done",
                    dir.path());
  spec.sigterm_time = 10s;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(wait_until([&] { return sink.out() == "ready\n"; }));
  EXPECT_TRUE(runner.interrupt("stop requested by alice"));
  EXPECT_FALSE(runner.interrupt("twice"));
  ASSERT_TRUE(runner.wait_for(30s));
  auto done = *sink.completion();
  EXPECT_EQ(done.outcome, Completion::Outcome::interrupted);
  EXPECT_TRUE(done.interrupted());
  EXPECT_EQ(done.failure_reason, "interrupted: stop requested by alice");
  EXPECT_EQ(done.rc, 3);
  EXPECT_EQ(sink.out(), "ready\ngot TERM\n");
  EXPECT_LT(done.elapsed_seconds, 9.0);  // ended by its trap, not by the KILL 10 s later
  EXPECT_NE(sink.header().find("command interrupted: stop requested by alice, attempting to kill"),
            std::string::npos);
  EXPECT_NE(sink.header().find("sending SIGTERM to process group"), std::string::npos);
  EXPECT_EQ(sink.header().find("sending SIGKILL"), std::string::npos);
  EXPECT_FALSE(runner.interrupt("after the end"));
}

TEST(CommandRunner, KilledCommandThatExitsZeroGetsRcMinusOne) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done", dir.path());
  spec.sigterm_time = 10s;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(wait_until([&] { return sink.out() == "ready\n"; }));
  runner.interrupt("why not");
  ASSERT_TRUE(runner.wait_for(30s));
  EXPECT_EQ(sink.completion()->rc, -1);  // Buildbot: killed yet 0 is faked as a failure
  EXPECT_FALSE(sink.completion()->signal.has_value());
}

TEST(CommandRunner, IgnoredSigtermIsFollowedByKillAfterSigtermTime) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("trap '' TERM; sleep 100 & echo $!; echo $$; wait", dir.path());
  spec.sigterm_time = 300ms;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(wait_until([&] { return pids_in(sink.out()).size() == 2; }));
  auto pids = pids_in(sink.out());
  runner.interrupt("enough");
  ASSERT_TRUE(runner.wait_for(30s));
  auto done = *sink.completion();
  EXPECT_EQ(done.outcome, Completion::Outcome::interrupted);
  EXPECT_EQ(done.signal, SIGKILL);
  EXPECT_EQ(done.rc, -1);
  EXPECT_GE(done.elapsed_seconds, 0.3);
  auto header = sink.header();
  auto term = header.find("sending SIGTERM");
  auto kill = header.find("sending SIGKILL");
  ASSERT_NE(term, std::string::npos);
  ASSERT_NE(kill, std::string::npos);
  EXPECT_LT(term, kill);
  for (pid_t pid : pids) EXPECT_TRUE(process_gone(pid)) << pid;
  EXPECT_TRUE(not_our_child_any_more(runner.pid()));
}

TEST(CommandRunner, GrandchildIgnoringTermIsKilledAfterTheLeaderExits) {
  TempDir dir;
  RecordingSink sink;
  // The shell exits on TERM at once; its background child ignores TERM and has closed
  // the output pipes, so only the group scan can tell that it is still there.
  auto spec = shell(
      "(trap '' TERM; echo sub-ready; exec sleep 100 >/dev/null 2>&1) & echo $!; echo ready; "
      "trap 'exit 5' TERM; while :; do sleep 0.05; done",
      dir.path());
  spec.sigterm_time = 300ms;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(wait_until([&] {
    auto out = sink.out();
    return out.find("sub-ready\n") != std::string::npos &&
           out.find("\nready\n") != std::string::npos;
  }));
  auto pids = pids_in(sink.out());
  ASSERT_EQ(pids.size(), 1u);
  runner.interrupt("enough");
  ASSERT_TRUE(runner.wait_for(30s));
  EXPECT_EQ(sink.completion()->rc, 5);
  EXPECT_NE(sink.header().find("sending SIGKILL"), std::string::npos);
  EXPECT_TRUE(process_gone(pids[0]));
}

TEST(CommandRunner, StoppedProcessesAreContinuedToSeeTheirSigterm) {
  TempDir dir;
  RecordingSink sink;
  auto spec =
      shell("trap 'exit 3' TERM; sleep 100 & echo $!; while :; do sleep 0.05; done", dir.path());
  spec.sigterm_time = 10s;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(wait_until([&] { return pids_in(sink.out()).size() == 1; }));
  pid_t sleeper = pids_in(sink.out())[0];
  // Stop it once it is `sleep` (not the shell's child before exec, which holds the trap).
  ASSERT_TRUE(wait_until([&] { return process_field(sleeper, "comm") == "sleep"; }));
  ASSERT_EQ(::kill(sleeper, SIGSTOP), 0);
  ASSERT_TRUE(wait_until([&] { return process_state(sleeper) == 'T'; }));
  runner.interrupt("stop");
  ASSERT_TRUE(runner.wait_for(30s));
  EXPECT_EQ(sink.completion()->rc, 3);
  EXPECT_LT(sink.completion()->elapsed_seconds, 9.0);  // not left for the KILL
  EXPECT_EQ(sink.header().find("sending SIGKILL"), std::string::npos);
  EXPECT_TRUE(process_gone(sleeper));
}

TEST(CommandRunner, ZeroTimeoutsAreDisabled) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("sleep 0.3; echo ok", dir.path());
  spec.timeout = 0ms;
  spec.max_time = 0ms;
  auto done = run(spec, sink);
  EXPECT_EQ(done.outcome, Completion::Outcome::finished);
  EXPECT_EQ(sink.out(), "ok\n");
  EXPECT_EQ(sink.header().find("(timeout"), std::string::npos);
}

TEST(CommandRunner, IgnoredInterruptSignalIsFollowedByKill) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("trap '' INT; echo ready; sleep 100", dir.path());
  spec.interrupt_signal = SIGINT;
  spec.kill_grace = 300ms;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(wait_until([&] { return sink.out() == "ready\n"; }));
  runner.interrupt("stop");
  ASSERT_TRUE(runner.wait_for(30s));
  auto done = *sink.completion();
  EXPECT_EQ(done.signal, SIGKILL);
  EXPECT_NE(sink.header().find("sending SIGINT"), std::string::npos);
  EXPECT_NE(sink.header().find("process group still alive 0.3 s after SIGINT"), std::string::npos);
}

TEST(CommandRunner, DefaultInterruptKillsTheTreeAndLeavesNoZombie) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("sleep 100 & echo $!; echo $$; sleep 100", dir.path());
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(wait_until([&] { return pids_in(sink.out()).size() == 2; }));
  auto pids = pids_in(sink.out());
  runner.interrupt("user");
  ASSERT_TRUE(runner.wait_for(30s));
  EXPECT_EQ(sink.completion()->signal, SIGKILL);
  EXPECT_EQ(sink.header().find("sending SIGTERM"), std::string::npos);  // KILL straight away
  for (pid_t pid : pids) EXPECT_TRUE(process_gone(pid)) << pid;
  EXPECT_TRUE(process_gone(runner.pid()));
  EXPECT_TRUE(not_our_child_any_more(runner.pid()));
}

TEST(CommandRunner, InterruptBeforeStartRunsNothing) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("echo should-not-run > ran.txt", dir.path());
  CommandRunner runner(spec, sink, slave_env());
  EXPECT_TRUE(runner.interrupt("build cancelled"));
  runner.start();
  ASSERT_TRUE(runner.wait_for(10s));
  auto done = *sink.completion();
  EXPECT_EQ(done.outcome, Completion::Outcome::interrupted);
  EXPECT_EQ(done.failure_reason, "interrupted: build cancelled");
  EXPECT_EQ(done.rc, -1);
  EXPECT_FALSE(std::filesystem::exists(dir / "ran.txt"));
  EXPECT_EQ(runner.pid(), 0);
}

TEST(CommandRunner, DestroyingARunningRunnerKillsAndReaps) {
  TempDir dir;
  RecordingSink sink;
  pid_t pid = 0;
  {
    CommandRunner runner(shell("echo ready; sleep 100", dir.path()), sink, slave_env());
    runner.start();
    ASSERT_TRUE(wait_until([&] { return sink.out() == "ready\n"; }));
    pid = runner.pid();
  }
  ASSERT_TRUE(sink.completion().has_value());
  EXPECT_EQ(sink.completion()->failure_reason, "interrupted: runner destroyed");
  EXPECT_TRUE(process_gone(pid));
  EXPECT_TRUE(not_our_child_any_more(pid));
}

TEST(CommandRunner, CompletedCommandIsReaped) {
  TempDir dir;
  RecordingSink sink;
  CommandRunner runner(shell("exit 0", dir.path()), sink, slave_env());
  runner.start();
  runner.wait();
  EXPECT_TRUE(runner.done());
  ASSERT_GT(runner.pid(), 0);
  EXPECT_TRUE(not_our_child_any_more(runner.pid()));
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(runner.pid())));
}

// --- batching and back-pressure ---------------------------------------------------------

TEST(CommandRunner, SmallWritesAreBatched) {
  TempDir dir;
  RecordingSink sink;
  auto spec = shell("i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done", dir.path());
  spec.flush_interval = 1s;  // only size or the end flushes
  spec.chunk_bytes = 4096;
  auto done = run(spec, sink);
  EXPECT_EQ(done.rc, 0);
  std::size_t total = sink.bytes(Update::Kind::stdout_data);
  EXPECT_EQ(total, sink.out().size());
  EXPECT_LE(sink.count(Update::Kind::stdout_data), total / 4096 + 2);
  EXPECT_LE(sink.max_update_size(), 4096u);
}

TEST(CommandRunner, HugeOutputThroughASlowSinkStaysBounded) {
  TempDir dir;
  RecordingSink sink;
  sink.keep_data = false;
  sink.delay = 300us;  // a receiver that is always behind
  auto spec = shell("yes | head -c 200000000", dir.path());
  spec.log_environ = false;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(runner.wait_for(300s));
  EXPECT_EQ(sink.completion()->rc, 0);
  EXPECT_EQ(sink.bytes(Update::Kind::stdout_data), 200'000'000u);
  EXPECT_EQ(sink.y_count(), 100'000'000u);
  EXPECT_LE(sink.max_update_size(), spec.chunk_bytes);
  // Never more than two chunks of output waiting (plus the header text).
  EXPECT_LE(runner.peak_buffered_bytes(), 2 * spec.chunk_bytes + sink.bytes(Update::Kind::header));
  EXPECT_EQ(runner.buffered_bytes(), 0u);
}

TEST(CommandRunner, SmallChunksBoundMemoryToo) {
  TempDir dir;
  RecordingSink sink;
  sink.keep_data = false;
  auto spec = shell("head -c 3000000 /dev/zero; head -c 1000000 /dev/zero >&2", dir.path());
  spec.chunk_bytes = 1000;
  spec.log_environ = false;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(runner.wait_for(120s));
  EXPECT_EQ(sink.bytes(Update::Kind::stdout_data), 3'000'000u);
  EXPECT_EQ(sink.bytes(Update::Kind::stderr_data), 1'000'000u);
  EXPECT_LE(sink.max_update_size(), 1000u);
  EXPECT_LE(runner.peak_buffered_bytes(), 2000 + sink.bytes(Update::Kind::header));
}

TEST(CommandRunner, ABlockedSinkIsNotANoOutputTimeout) {
  TempDir dir;
  std::mutex gate_mutex;
  std::condition_variable gate_cv;
  bool open = false;
  std::atomic<bool> blocked{false};
  RecordingSink sink;
  sink.on_update = [&](const Update&) {
    std::unique_lock lock(gate_mutex);
    blocked = true;
    gate_cv.wait(lock, [&] { return open; });
  };
  auto spec = shell("head -c 2000000 /dev/zero", dir.path());
  spec.timeout = 300ms;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(wait_until([&] { return blocked.load(); }));
  // The master is behind for longer than the timeout: the command, blocked writing, has
  // not fallen silent.
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(runner.done());
  EXPECT_LE(runner.buffered_bytes(), 2 * spec.chunk_bytes + 4096);
  {
    std::lock_guard lock(gate_mutex);
    open = true;
  }
  gate_cv.notify_all();
  ASSERT_TRUE(runner.wait_for(60s));
  EXPECT_EQ(sink.completion()->outcome, Completion::Outcome::finished)
      << sink.completion()->failure_reason;
  EXPECT_EQ(sink.bytes(Update::Kind::stdout_data), 2'000'000u);
}

TEST(CommandRunner, SilenceWhileTheSinkIsBlockedIsStillATimeout) {
  TempDir dir;
  std::mutex gate_mutex;
  std::condition_variable gate_cv;
  bool open = false;
  RecordingSink sink;
  sink.on_update = [&](const Update&) {
    std::unique_lock lock(gate_mutex);
    gate_cv.wait(lock, [&] { return open; });
  };
  auto spec = shell("echo hi; sleep 100", dir.path());
  spec.timeout = 300ms;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  // Nothing is throttled (little output), so the kill happens while deliver() is blocked.
  ASSERT_TRUE(wait_until([&] { return runner.pid() > 0 && process_gone(runner.pid()); }));
  {
    std::lock_guard lock(gate_mutex);
    open = true;
  }
  gate_cv.notify_all();
  ASSERT_TRUE(runner.wait_for(30s));
  EXPECT_EQ(sink.completion()->outcome, Completion::Outcome::timeout);
}

// --- log files ---------------------------------------------------------------------------

TEST(CommandRunner, LogfilesAreTailedWhileTheCommandRuns) {
  TempDir dir;
  RecordingSink sink;
  // The command waits until the runner has sent the first part of its log: proof that
  // the file is read while the command runs, not only at the end.
  sink.on_update = [&](const Update& update) {
    if (update.kind == Update::Kind::logfile_data) std::ofstream(dir / "seen");
  };
  auto spec = shell(
      "echo first >> build.log; i=0; "
      "while [ ! -e seen ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; "
      "echo second >> build.log; [ -e seen ] && echo saw-it",
      dir.path());
  spec.logfiles = {{"build", "build.log"}, {"never", "never.log"}};
  spec.logfile_poll_interval = 20ms;
  auto done = run(spec, sink);
  EXPECT_EQ(done.rc, 0);
  EXPECT_EQ(sink.out(), "saw-it\n");
  EXPECT_EQ(sink.log("build"), "first\nsecond\n");
  EXPECT_EQ(sink.log("never"), "");
  EXPECT_NE(sink.header().find(" watching logfiles {'build': 'build.log', 'never': 'never.log'}"),
            std::string::npos);
}

TEST(CommandRunner, LogfilesFollowOrSendAll) {
  TempDir dir;
  std::ofstream(dir / "followed.log") << "old\n";
  std::ofstream(dir / "whole.log") << "old\n";
  std::ofstream(dir / "untouched.log") << "old\n";
  RecordingSink sink;
  auto spec = shell("echo new >> followed.log; echo new >> whole.log", dir.path());
  spec.logfiles = {{"followed", LogfileSpec("followed.log", true)},
                   {"whole", "whole.log"},
                   {"untouched", "untouched.log"}};
  auto done = run(spec, sink);  // default poll interval: only the final poll sees them
  EXPECT_EQ(done.rc, 0);
  EXPECT_EQ(sink.log("followed"), "new\n");
  EXPECT_EQ(sink.log("whole"), "old\nnew\n");
  EXPECT_EQ(sink.log("untouched"), "");  // unchanged since the command started
}

TEST(CommandRunner, LargeLogfileArrivesCompleteWithinTheBound) {
  TempDir dir;
  RecordingSink sink;
  sink.keep_data = false;
  auto spec = shell("head -c 5000000 /dev/zero > big.log", dir.path());
  spec.logfiles = {{"big", "big.log"}};
  spec.chunk_bytes = 8192;
  spec.log_environ = false;
  CommandRunner runner(spec, sink, slave_env());
  runner.start();
  ASSERT_TRUE(runner.wait_for(60s));
  EXPECT_EQ(sink.bytes(Update::Kind::logfile_data), 5'000'000u);
  EXPECT_LE(runner.peak_buffered_bytes(), 2 * 8192 + sink.bytes(Update::Kind::header));
}

// --- the header --------------------------------------------------------------------------

TEST(CommandRunner, HeaderDescribesTheCommandAndMasksSecrets) {
  TempDir dir;
  RecordingSink sink;
  ShellCommandSpec spec;
  spec.command = std::vector<std::string>{"sh", "-c", "exit 0", "it's"};
  spec.workdir = dir.path();
  spec.env = {{"PLAIN", "visible"}, {"API_TOKEN", "hunter2"}, {"db_password", "s3cret"}};
  auto done = run(spec, sink);
  EXPECT_EQ(done.rc, 0);
  std::string header = sink.header();
  EXPECT_EQ(header.rfind("sh -c 'exit 0' 'it'\"'\"'s'\n", 0), 0u) << header;
  EXPECT_NE(header.find(" in dir " + dir.path().string() + " (timeout 1200 secs)\n"),
            std::string::npos);
  EXPECT_NE(header.find(" watching logfiles {}\n"), std::string::npos);
  EXPECT_NE(header.find(" argv: ['sh', '-c', 'exit 0', 'it\\'s']\n"), std::string::npos);
  EXPECT_NE(header.find(" environment:\n"), std::string::npos);
  EXPECT_NE(header.find("  PLAIN=visible\n"), std::string::npos);
  EXPECT_NE(header.find("  SLAVE_VAR=from-slave\n"), std::string::npos);
  EXPECT_NE(header.find("  PWD=" + dir.path().string() + "\n"), std::string::npos);
  EXPECT_NE(header.find("  API_TOKEN=***\n"), std::string::npos);
  EXPECT_NE(header.find("  db_password=***\n"), std::string::npos);
  EXPECT_EQ(header.find("hunter2"), std::string::npos);
  EXPECT_EQ(header.find("s3cret"), std::string::npos);
  EXPECT_NE(header.find(" using PTY: False\n"), std::string::npos);
  EXPECT_NE(header.find("program finished with exit code 0\nelapsedTime="), std::string::npos);
  EXPECT_EQ(header.back(), '\n');

  RecordingSink quiet;
  spec.log_environ = false;
  run(spec, quiet);
  EXPECT_EQ(quiet.header().find("environment:"), std::string::npos);
}

}  // namespace
}  // namespace eventbot::slave
