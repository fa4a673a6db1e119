// Kills a process that appends with Durability::sync_each (crash_appender) at random
// points, many times over the same store, and checks after each kill that every append
// it acknowledged is there, that the log is dense, and that each event holds what the
// appender wrote for its sequence.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <thread>

#include "tests/store/crash_events.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::store::test {
namespace {

using Clock = std::chrono::steady_clock;

// The appender as a child process whose stdout is a pipe to us.
class Appender {
 public:
  explicit Appender(const std::filesystem::path& store) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    const std::string program = testing::binary_dir() + "/crash_appender";
    const std::string dir = store.string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::execl(program.c_str(), program.c_str(), dir.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = out[0];
  }
  ~Appender() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  bool started() const { return pid_ > 0 && out_ >= 0; }

  // Reads acknowledgements until `count` have arrived in all, the pipe closes, or the
  // deadline passes. Returns false on the last two.
  bool read_acks(std::size_t count, Clock::time_point deadline) {
    while (acks_.size() < count) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd fd{out_, POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
      if (!read_some()) return false;
    }
    return true;
  }

  // SIGKILLs the appender, reads what it wrote before dying, and reaps it. Returns
  // whether it died of our signal (and not of something else first).
  bool kill_and_drain() {
    ::kill(pid_, SIGKILL);
    while (read_some()) {
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }

  const std::vector<std::uint64_t>& acks() const { return acks_; }

 private:
  // One read(2); false at end of file or on error.
  bool read_some() {
    char buffer[4096];
    ssize_t n = ::read(out_, buffer, sizeof buffer);
    if (n <= 0) return false;
    partial_.append(buffer, static_cast<std::size_t>(n));
    for (auto newline = partial_.find('\n'); newline != std::string::npos;
         newline = partial_.find('\n')) {
      acks_.push_back(std::stoull(partial_.substr(0, newline)));
      partial_.erase(0, newline + 1);
    }
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string partial_;  // a line cut short by the kill is never acknowledged
  std::vector<std::uint64_t> acks_;
};

// Opens the store as a restarted master would and checks all of it.
void check_store(const std::filesystem::path& dir, std::uint64_t last_acked) {
  auto log = open_store(dir);
  ASSERT_NE(log, nullptr);
  const auto head = log->head().value();
  ASSERT_GE(head, last_acked) << "an acknowledged append was lost";

  std::map<std::string, std::uint64_t> versions;
  std::uint64_t expected_sequence = 1;
  auto scanned = log->scan(Sequence(1), Sequence(0), [&](const Envelope& e) {
    const auto stream = crash::stream_for(e.sequence());
    const auto version = ++versions[stream];
    EXPECT_EQ(e.sequence(), expected_sequence) << "gap or duplicate";
    EXPECT_EQ(e.stream(), stream) << "sequence " << e.sequence();
    EXPECT_EQ(e.stream_version(), version) << "sequence " << e.sequence();
    EXPECT_EQ(e.change_added().comments(), crash::comments_for(e.sequence(), version));
    ++expected_sequence;
    return !::testing::Test::HasFailure();
  });
  ASSERT_TRUE(scanned) << scanned.error();
  ASSERT_EQ(scanned->value(), head);
  for (const auto& [stream, version] : versions) {
    EXPECT_EQ(*log->stream_version(stream), StreamVersion(version)) << stream;
  }
}

TEST(CrashTest, EveryAcknowledgedAppendSurvivesSigkillAtRandomPoints) {
  constexpr int kCycles = 40;
  testing::TempDir dir("eventbot-crash");
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::uint64_t last_acked = 0;
  const auto started = Clock::now();

  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    Appender appender(dir.path());
    ASSERT_TRUE(appender.started());
    const auto acks_wanted = std::uniform_int_distribution<std::size_t>(1, 30)(random);
    ASSERT_TRUE(appender.read_acks(acks_wanted, Clock::now() + std::chrono::seconds(20)))
        << "the appender stopped or stalled after " << appender.acks().size() << " acks";
    // Every other cycle the kill lands a few ms later, in the middle of an append.
    if (cycle % 2 == 1) {
      std::this_thread::sleep_for(
          std::chrono::microseconds(std::uniform_int_distribution<int>(0, 5000)(random)));
    }
    ASSERT_TRUE(appender.kill_and_drain()) << "the appender died before it was killed";

    const auto& acks = appender.acks();
    ASSERT_FALSE(acks.empty());
    EXPECT_GT(acks.front(), last_acked) << "the restarted appender reused a sequence";
    for (std::size_t i = 1; i < acks.size(); ++i) ASSERT_GT(acks[i], acks[i - 1]);
    last_acked = acks.back();
    ASSERT_NO_FATAL_FAILURE(check_store(dir.path(), last_acked));
    if (HasFailure()) break;
  }
  const auto seconds = std::chrono::duration<double>(Clock::now() - started).count();
  RecordProperty("seconds", std::to_string(seconds));
  std::printf("%d kill cycles, %llu acknowledged events, %.1f s\n", kCycles,
              static_cast<unsigned long long>(last_acked), seconds);
}

// A master killed while it creates its store must find, on restart, a store it can
// open and append to, not a directory it refuses as "not an Eventbot store".
TEST(CrashTest, KillDuringCreationLeavesADirectoryThatOpensAsAStore) {
  constexpr int kRounds = 16;
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    testing::TempDir parent("eventbot-create");
    // Half the rounds create the directory, half find it there and empty.
    const auto dir = round % 2 == 0 ? parent / "store" : parent.path();
    {
      Appender appender(dir);
      ASSERT_TRUE(appender.started());
      // Not synchronisation: a random moment, most often inside the store's creation.
      std::this_thread::sleep_for(
          std::chrono::microseconds(std::uniform_int_distribution<int>(0, 30'000)(random)));
      ASSERT_TRUE(appender.kill_and_drain()) << "the appender died before it was killed";
      const auto last_acked = appender.acks().empty() ? 0 : appender.acks().back();
      ASSERT_NO_FATAL_FAILURE(check_store(dir, last_acked));
    }
    Appender restarted(dir);
    ASSERT_TRUE(restarted.started());
    ASSERT_TRUE(restarted.read_acks(3, Clock::now() + std::chrono::seconds(20)))
        << "the restarted appender could not append";
    ASSERT_TRUE(restarted.kill_and_drain());
    ASSERT_NO_FATAL_FAILURE(check_store(dir, restarted.acks().back()));
  }
}

}  // namespace
}  // namespace eventbot::store::test
